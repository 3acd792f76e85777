// One undo history for every edit of a project. Each entry is a snapshot of the document: the hints,
// the settings (name, preset, vividness, global colour matching), the reference photo, the region mode
// and the painted mask. Undo and redo move between snapshots; the app applies the difference to the
// server (hints with PUT /hints, ids kept; the reference and the region re-uploaded from the kept files).
//
// The history is kept in IndexedDB per project together with the project's revision (bumped by the
// server on every change), so it survives a reload; it is only restored while the project is still
// at that revision, i.e. nothing changed it from elsewhere. Reference photos and masks are binary
// (megabytes for a photo), which is why IndexedDB (Blobs) and not localStorage (strings, ~5 MB).

const LIMIT = 100;
const COALESCE_MS = 2000;
const DB_NAME = "findcolor-history";
const DB_VERSION = 1;

let keyCounter = 0;
/** A fresh key for a file kept by the history (unique within the page and across reloads). */
function newKey(prefix) {
  keyCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${keyCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

function copyHints(hints) {
  return hints.map((h) => ({ id: h.id, x: h.x, y: h.y, size: h.size, ab: [h.ab[0], h.ab[1]], spread: h.spread ?? "similar" }));
}

export function sameHints(a, b) {
  if (a.length !== b.length) return false;
  return a.every((h, i) => {
    const o = b[i];
    return h.id === o.id && h.x === o.x && h.y === o.y && h.size === o.size && h.ab[0] === o.ab[0] && h.ab[1] === o.ab[1]
      && (h.spread ?? "similar") === (o.spread ?? "similar");
  });
}

/** A document snapshot; `reference` and `mask` are keys of files kept by the history (or null). */
export function makeSnapshot({ hints, name, preset, vividness, transferGlobal, repair, repairDenoise, repairFade, reference, regionMode, mask }) {
  return {
    hints: copyHints(hints),
    name,
    preset,
    vividness,
    transferGlobal,
    repair,
    repairDenoise,
    repairFade,
    reference: reference ?? null,
    regionMode,
    mask: mask ?? null,
  };
}

// MARK: IndexedDB

let dbPromise = null;
function openDB() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise((resolve) => {
    if (!("indexedDB" in window)) {
      resolve(null);
      return;
    }
    let request;
    try {
      request = indexedDB.open(DB_NAME, DB_VERSION);
    } catch {
      resolve(null);
      return;
    }
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("histories")) db.createObjectStore("histories", { keyPath: "projectId" });
      if (!db.objectStoreNames.contains("files")) db.createObjectStore("files");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null); // private mode and the like: the history then lives in memory only
    request.onblocked = () => resolve(null);
  });
  return dbPromise;
}

function done(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = transaction.onerror = () => reject(transaction.error || new Error("IndexedDB transaction failed"));
  });
}

function requestValue(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

const fileKey = (projectId, key) => `${projectId}/${key}`;

/** Saves run one after another (a later one sees what an earlier one stored). */
let saving = Promise.resolve(true);

// MARK: The history

export class EditHistory {
  constructor(onChange) {
    this.onChange = onChange || (() => {});
    this.projectId = null;
    this.states = [];
    this.index = -1;
    /** key -> Blob; a key without a Blob is a file only the server has (fetched before it is replaced). */
    this.files = new Map();
  }

  /** Empties the history (a project is opened or closed); `begin` then gives it its first state. */
  reset(projectId) {
    this.projectId = projectId;
    this.states = [];
    this.index = -1;
    this.files = new Map();
    this.onChange();
  }

  /** The state of the project when it was opened (nothing to undo yet). */
  begin(snapshot) {
    this.states = [{ ...snapshot, label: "" }];
    this.index = 0;
    this.onChange();
  }

  get current() {
    return this.states[this.index] || null;
  }

  get canUndo() {
    return this.index > 0;
  }

  get canRedo() {
    return this.index >= 0 && this.index < this.states.length - 1;
  }

  /** What the next undo reverts, e.g. "paint stroke". */
  get undoLabel() {
    return this.canUndo ? this.states[this.index].label : "";
  }

  get redoLabel() {
    return this.canRedo ? this.states[this.index + 1].label : "";
  }

  /**
   * Records the state after an edit (drops whatever could have been redone). With `coalesce`, an
   * edit with the same label as the last one, moments later, replaces it (a slider stepped with
   * the arrow keys is one step to undo).
   */
  push(snapshot, label, coalesce = false) {
    const now = Date.now();
    const last = this.states[this.index];
    if (coalesce && this.index > 0 && this.index === this.states.length - 1 && last.label === label
        && now - (last.at || 0) < COALESCE_MS) {
      this.states[this.index] = { ...snapshot, label, at: now };
      this.forgetUnusedFiles();
      this.onChange();
      return;
    }
    this.states = this.states.slice(0, this.index + 1);
    this.states.push({ ...snapshot, label, at: now });
    this.index = this.states.length - 1;
    while (this.states.length > LIMIT) {
      this.states.shift();
      this.index -= 1;
    }
    this.forgetUnusedFiles();
    this.onChange();
  }

  /** The snapshot an undo (-1) or redo (+1) goes to, without moving. */
  peek(delta) {
    const target = this.index + delta;
    return target >= 0 && target < this.states.length ? this.states[target] : null;
  }

  /** Moves after the step to `peek(delta)` has been applied. */
  move(delta) {
    this.index += delta;
    this.onChange();
  }

  /** Keeps a file (a reference photo or a mask); returns its key. */
  addFile(blob, prefix) {
    const key = newKey(prefix);
    this.files.set(key, blob);
    return key;
  }

  /** A key for a file the server holds and the history has not fetched yet. */
  addServerFile(prefix) {
    const key = newKey(prefix);
    this.files.set(key, null);
    return key;
  }

  file(key) {
    return this.files.get(key) || null;
  }

  setFile(key, blob) {
    this.files.set(key, blob);
  }

  usedKeys() {
    const keys = new Set();
    for (const s of this.states) {
      if (s.reference) keys.add(s.reference);
      if (s.mask) keys.add(s.mask);
    }
    return keys;
  }

  forgetUnusedFiles() {
    const used = this.usedKeys();
    for (const key of [...this.files.keys()]) if (!used.has(key)) this.files.delete(key);
  }

  // MARK: Persistence

  /** The history as it is now, to be saved (possibly after the project is closed). */
  capture() {
    return { projectId: this.projectId, index: this.index, states: this.states.slice(), files: new Map(this.files) };
  }

  /** Saves the history with the revision the server reported for its current state. */
  save(revision) {
    return EditHistory.saveRecord(this.capture(), revision);
  }

  /** Saves a captured history (see `capture`); resolves to true once it is in IndexedDB. */
  static saveRecord(record, revision) {
    const task = async () => {
      if (!record.projectId) return false;
      const db = await openDB();
      if (!db) return false;
      const { projectId, files } = record;
      const stored = await EditHistory.storedKeys(db, projectId);
      const transaction = db.transaction(["histories", "files"], "readwrite");
      const fileStore = transaction.objectStore("files");
      for (const [key, blob] of files) {
        if (blob && !stored.has(key)) fileStore.put(blob, fileKey(projectId, key));
      }
      for (const key of stored) if (!files.get(key)) fileStore.delete(fileKey(projectId, key));
      transaction.objectStore("histories").put({
        projectId, revision, index: record.index, states: record.states, savedAt: Date.now(),
      });
      await done(transaction);
      return true;
    };
    saving = saving.then(task, task).catch((error) => {
      console.warn("the undo history could not be saved", error);
      return false;
    });
    return saving;
  }

  static async storedKeys(db, projectId) {
    const transaction = db.transaction("files", "readonly");
    const range = IDBKeyRange.bound(`${projectId}/`, `${projectId}/\uffff`);
    const keys = await requestValue(transaction.objectStore("files").getAllKeys(range));
    return new Set(keys.map((k) => String(k).slice(projectId.length + 1)));
  }

  /**
   * Loads the saved history of a project if it was saved at `revision`; returns it as
   * { states, index, files } or null (none, another revision, or a file missing).
   */
  static async load(projectId, revision) {
    const db = await openDB();
    if (!db) return null;
    try {
      const record = await requestValue(db.transaction("histories", "readonly").objectStore("histories").get(projectId));
      if (!record || record.revision !== revision || !Array.isArray(record.states) || !record.states[record.index]) return null;
      const files = new Map();
      const store = db.transaction("files", "readonly").objectStore("files");
      const current = record.states[record.index];
      for (const s of record.states) {
        for (const key of [s.reference, s.mask]) {
          if (!key || files.has(key)) continue;
          const blob = await requestValue(store.get(fileKey(projectId, key)));
          // The current reference may live on the server only; anything else must be here.
          if (!blob && key !== current.reference) return null;
          files.set(key, blob || null);
        }
      }
      return { states: record.states, index: record.index, files };
    } catch (error) {
      console.warn("the undo history could not be read", error);
      return null;
    }
  }

  /** Restores a loaded history (see `load`). */
  restore(projectId, loaded) {
    this.projectId = projectId;
    this.states = loaded.states;
    this.index = loaded.index;
    this.files = loaded.files;
    this.onChange();
  }

  /** Removes a project's saved history (when the project is deleted). */
  static async forget(projectId) {
    const db = await openDB();
    if (!db) return;
    try {
      const transaction = db.transaction(["histories", "files"], "readwrite");
      transaction.objectStore("histories").delete(projectId);
      transaction.objectStore("files").delete(IDBKeyRange.bound(`${projectId}/`, `${projectId}/\uffff`));
      await done(transaction);
    } catch (error) {
      console.warn("the undo history could not be removed", error);
    }
  }
}
