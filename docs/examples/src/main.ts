// main.ts
import { createApp } from "./app.ts";
import { db } from "./db.ts";

createApp(db).listen(3000);
