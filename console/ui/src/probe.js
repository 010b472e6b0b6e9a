import "./probe.css";
