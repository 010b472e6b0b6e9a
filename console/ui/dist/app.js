document.getElementById("app").textContent="doorman console";
