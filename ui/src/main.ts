import "./styles.css";
import { createApi } from "./api";
import { startApp } from "./app";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const root = document.getElementById("app");
if (root) startApp(root, createApi(), { storage: storage() });
