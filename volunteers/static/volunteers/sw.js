// The volunteers' service worker (scope /volunteers/): a check-in or check-out sent while the
// network is down is kept in IndexedDB with its body (which carries client_at, the time the phone
// recorded it) and sent, in order, when the network is back. The server keeps that original time.
"use strict";
var DB = "rongzhi-volunteers";
var STORE = "queue";
var QUEUED = /\/api\/v1\/volunteer-claims\/\d+\/check-(in|out)\/$/;

function open() {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB, 1);
    request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { autoIncrement: true }); };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function tx(mode, work) {
  return open().then(function (db) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction(STORE, mode);
      var result = work(t.objectStore(STORE));
      t.oncomplete = function () { resolve(result && result.result); };
      t.onerror = function () { reject(t.error); };
    });
  });
}

function keep(item) { return tx("readwrite", function (s) { return s.add(item); }); }

function first() {
  return open().then(function (db) {
    return new Promise(function (resolve) {
      var cursor = db.transaction(STORE).objectStore(STORE).openCursor();
      cursor.onsuccess = function () {
        var c = cursor.result;
        resolve(c ? { key: c.key, item: c.value } : null);
      };
      cursor.onerror = function () { resolve(null); };
    });
  });
}

function drop(key) { return tx("readwrite", function (s) { return s.delete(key); }); }

function tell(message) {
  return self.clients.matchAll().then(function (clients) {
    clients.forEach(function (client) { client.postMessage(message); });
  });
}

// Send the oldest, then the next; stop at the first network failure (try again later). A 4xx is
// a refusal for good (too far, task over): it leaves the queue too, and the page shows the state.
// The pages are told how many went out, so that a page showing stale state reloads.
function flush(sent) {
  sent = sent || 0;
  return first().then(function (next) {
    if (!next) { return tell({ type: "flushed", sent: sent }); }
    return fetch(next.item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": next.item.csrf },
      body: next.item.body
    }).then(function (response) {
      if (response.status >= 500) { return null; }
      return drop(next.key).then(function () { return flush(sent + 1); });
    }, function () { return tell({ type: "queued" }); });
  });
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "POST" || !QUEUED.test(new URL(request.url).pathname)) { return; }
  var copy = request.clone();
  event.respondWith(fetch(request).catch(function () {
    return copy.text().then(function (body) {
      return keep({ url: request.url, body: body, csrf: request.headers.get("X-CSRFToken") || "", at: Date.now() });
    }).then(function () {
      return new Response(JSON.stringify({ queued: true }), {
        status: 202, headers: { "Content-Type": "application/json" }
      });
    });
  }));
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "flush") { event.waitUntil(flush(0)); }
});
self.addEventListener("sync", function (event) {
  if (event.tag === "check-ins") { event.waitUntil(flush(0)); }
});
