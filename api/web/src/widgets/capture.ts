// Search by photo and by voice from the search box: a camera button (a photo of a barcode or
// QR code finds its product; a photo without one is searched by its looks, where the shop has
// search by photo) and a microphone button (the words spoken are searched). The microphone
// button appears only where the browser can record (MediaRecorder and getUserMedia).

import { ApiError, type BarcodeResponse, type Hit, type SearchResponse, type VoiceResponse } from "./api";
import type { Controller } from "./controller";
import { h } from "./dom";

/** Longest recording the button makes; the server's own limit is 30 s by default. */
const MAX_RECORDING_MS = 10_000;
const RECORDING_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];

export function canRecord(): boolean {
  return typeof window.MediaRecorder === "function" && !!navigator.mediaDevices?.getUserMedia;
}

export function mountCapture(c: Controller, form: HTMLElement, input: HTMLInputElement,
  statusHost: HTMLElement): void {
  const t = c.t;
  const status = h("p", { class: "dsc-capture-status", role: "status", "aria-live": "polite", hidden: true });
  statusHost.append(status);
  const say = (text: string, kind: "info" | "error" = "info") => {
    status.textContent = text;
    status.hidden = !text;
    status.classList.toggle("dsc-error", kind === "error");
  };
  const tools = h("span", { class: "dsc-capture" });

  // camera / photo
  const file = h("input", { type: "file", accept: "image/*", capture: "environment", hidden: true,
    class: "dsc-capture-file", tabindex: "-1", "aria-hidden": "true" });
  const camera = h("button", { type: "button", class: "dsc-capture-btn dsc-camera", "aria-label": t.photoSearch,
    title: t.photoSearch }, icon("camera"));
  camera.addEventListener("click", () => file.click());
  file.addEventListener("change", () => {
    const photo = file.files?.[0];
    file.value = ""; // the same photo again is a new search
    if (photo) void searchPhoto(c, photo, camera, say);
  });
  tools.append(camera, file);

  // microphone
  if (canRecord()) {
    const mic = h("button", { type: "button", class: "dsc-capture-btn dsc-mic", "aria-label": t.voiceSearch,
      title: t.voiceSearch, "aria-pressed": "false" }, icon("mic"));
    const recorder = new Recorder(c, mic, say);
    mic.addEventListener("click", () => void recorder.toggle());
    tools.append(mic);
  }
  form.append(tools);
  // the clear button sits inside the input's right end, left of the buttons
  form.style.setProperty("--dsc-tools", `${tools.childElementCount > 2 ? 98 : 50}px`);
  input.addEventListener("input", () => say(""));
}

type Say = (text: string, kind?: "info" | "error") => void;

function busy(button: HTMLButtonElement, on: boolean): void {
  button.disabled = on;
  button.setAttribute("aria-busy", String(on));
}

/** A barcode or QR code first; without one, search by photo where the shop has it. */
async function searchPhoto(c: Controller, photo: File, button: HTMLButtonElement, say: Say): Promise<void> {
  const t = c.t;
  const startedAt = performance.now();
  const filters: [string, string][] = c.filters().map((f) => ["filter", f]);
  busy(button, true);
  say(t.readingPhoto);
  try {
    const found = await c.api.upload<BarcodeResponse>("/v1/search/barcode", "image", photo,
      photo.name || "photo.jpg", filters);
    if (found.codes.length) {
      const skus = found.hits.map((hit) => hit.sku);
      const q = skus.length ? skus.join(" ") : found.codes[0].text;
      c.show(listResponse(q, found.hits, found.took_ms, found.search_id), q, "barcode", startedAt);
      say(found.hits.length ? t.codesFound(found.codes.map((code) => code.text))
        : t.codesUnknown(found.codes.map((code) => code.text)));
      return;
    }
    try {
      const similar = await c.api.upload<SearchResponse>("/v1/search/image", "image", photo,
        photo.name || "photo.jpg", [...filters, ["page_size", String(c.config.pageSize)]]);
      c.show({ ...similar, query: "" }, "", "photo", startedAt);
      say(t.similarPhotos);
    } catch (err) {
      if (err instanceof ApiError && err.status === 503) say(t.noCode, "error"); // no photo search
      else throw err;
    }
  } catch (err) {
    say(message(c, err), "error");
  } finally {
    busy(button, false);
  }
}

/** Barcode hits as a page of results (no facets: the codes named the products). */
function listResponse(q: string, hits: Hit[], tookMs: number, searchId?: string | null): SearchResponse {
  return {
    query: q, total: hits.length, page: 1, page_size: Math.max(1, hits.length), pages: hits.length ? 1 : 0,
    sort: "relevance", relaxed: false, total_every_word: null, hits, facets: [], took_ms: tookMs,
    search_id: searchId ?? undefined,
  };
}

function message(c: Controller, err: unknown): string {
  if (err instanceof ApiError) {
    if (err.detail) console.info(`B2B Discovery: ${err.status} ${err.message}: ${err.detail}`);
    if (err.status === 413) return c.t.tooLarge;
    if (err.status < 500 && err.detail) return err.detail;
  }
  return c.t.error;
}

class Recorder {
  private recording: MediaRecorder | null = null;
  private timer = 0;
  private unavailable = false; // the server said 503: no speech model there

  constructor(private readonly c: Controller, private readonly button: HTMLButtonElement,
    private readonly say: Say) {}

  async toggle(): Promise<void> {
    if (this.recording) {
      this.recording.stop();
      return;
    }
    const t = this.c.t;
    if (this.unavailable) {
      this.say(t.voiceUnavailable, "error");
      return;
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      this.say(t.micDenied, "error");
      return;
    }
    const mimeType = RECORDING_TYPES.find((type) => MediaRecorder.isTypeSupported?.(type));
    const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    const chunks: Blob[] = [];
    recorder.addEventListener("dataavailable", (e) => { if (e.data.size) chunks.push(e.data); });
    recorder.addEventListener("stop", () => {
      window.clearTimeout(this.timer);
      for (const track of stream.getTracks()) track.stop();
      this.recording = null;
      this.button.setAttribute("aria-pressed", "false");
      this.button.classList.remove("dsc-recording");
      void this.send(new Blob(chunks, { type: recorder.mimeType || mimeType || "audio/webm" }));
    });
    recorder.start();
    this.recording = recorder;
    this.button.setAttribute("aria-pressed", "true");
    this.button.classList.add("dsc-recording");
    this.say(t.listening);
    this.timer = window.setTimeout(() => recorder.state !== "inactive" && recorder.stop(), MAX_RECORDING_MS);
  }

  private async send(audio: Blob): Promise<void> {
    const c = this.c;
    const t = c.t;
    const startedAt = performance.now();
    const params: [string, string][] = [["page_size", String(c.config.pageSize)],
      ...c.filters().map((f): [string, string] => ["filter", f])];
    if (c.config.facets) params.push(["facets", c.config.facets.join(",")]);
    const ext = audio.type.includes("ogg") ? "ogg" : audio.type.includes("mp4") ? "m4a" : "webm";
    busy(this.button, true);
    this.say(t.recognising);
    try {
      const body = await c.api.upload<VoiceResponse>("/v1/search/voice", "audio", audio, `query.${ext}`, params);
      c.show(body, body.query, "voice", startedAt);
      this.say(t.heard(body.transcript));
    } catch (err) {
      if (err instanceof ApiError && err.status === 503) {
        this.unavailable = true;
        if (err.detail) console.info(`B2B Discovery: voice search: ${err.detail}`);
        this.say(t.voiceUnavailable, "error");
      } else {
        this.say(message(c, err), "error");
      }
    } finally {
      busy(this.button, false);
    }
  }
}

function icon(kind: "camera" | "mic"): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "20");
  svg.setAttribute("height", "20");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", kind === "camera"
    ? "M9 3 7.2 5H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9Zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10Zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6Z"
    : "M12 2a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3Zm-7 9a1 1 0 0 1 2 0 5 5 0 0 0 10 0 1 1 0 0 1 2 0 7 7 0 0 1-6 6.93V21h3a1 1 0 0 1 0 2H8a1 1 0 0 1 0-2h3v-3.07A7 7 0 0 1 5 11Z");
  svg.append(path);
  return svg;
}
