// Puts a finished build (dist.next) in place of dist in one rename, so a server reading dist
// never sees a half-written build.
import { existsSync, renameSync, rmSync } from "node:fs";

rmSync("dist.old", { recursive: true, force: true });
if (existsSync("dist")) renameSync("dist", "dist.old");
renameSync("dist.next", "dist");
rmSync("dist.old", { recursive: true, force: true });
