import "./app.css";
document.getElementById("app").textContent = "doorman console";
