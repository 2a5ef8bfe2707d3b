// Edits survive a session that ends before they are saved. On submit, a form marked
// data-draft keeps its fields in this tab's sessionStorage (never sent anywhere else). The
// sign-in page that answers such a post says nothing was saved and marks the kept edits as
// refused for want of a session; back on a freshly loaded form (not one the server
// re-rendered with posted values) only edits so marked are put back, with a notice and a
// way to discard them. Any other kept edits are forgotten there: their post was answered
// (saved, or refused with the edits shown), even if the user left the answer before this
// script ran on it (they had come back as "from before you signed in again", with the
// version they started from, and the next save was refused as a conflict with their own).
// Edits come back only for the user who typed them (data-user): another person signing in
// in the same tab had found them in the form, and would have saved them as their own.
(function () {
  const MAX_AGE_MS = 12 * 3600 * 1000;  // the CSRF token's lifetime: older edits are stale
  const form = document.querySelector("form[data-draft]");
  const key = form ? "holdwell-draft:" + new URL(form.action, location.href).pathname : null;

  function forget(k) { try { sessionStorage.removeItem(k); } catch (e) { /* private mode */ } }

  function drafts() {
    const keys = [];
    try {
      for (let i = 0; i < sessionStorage.length; i++) {
        const k = sessionStorage.key(i);
        if (k && k.startsWith("holdwell-draft:")) keys.push(k);
      }
    } catch (e) { /* storage off: nothing was kept */ }
    return keys;
  }

  if (document.querySelector(".flash.ok")) drafts().forEach(forget);  // a save went through
  if (document.querySelector("[data-edits-kept]")) {  // the sign-in page answering a post:
    let latest = null;  // the edits just posted are the latest kept; older ones were answered
    drafts().forEach(function (k) {
      let kept = null;
      try { kept = JSON.parse(sessionStorage.getItem(k)); } catch (e) { kept = null; }
      if (kept && (!latest || kept.at > latest.kept.at)) {
        if (latest) forget(latest.k);
        latest = {k: k, kept: kept};
      } else forget(k);
    });
    if (latest) {
      latest.kept.refused = true;
      try { sessionStorage.setItem(latest.k, JSON.stringify(latest.kept)); } catch (e) { /* off */ }
    }
  }
  if (!form) return;

  form.addEventListener("submit", function () {
    const fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") fields.push([name, value]);
    });
    try {
      sessionStorage.setItem(key, JSON.stringify({at: Date.now(), by: form.dataset.user || "",
                                                  fields: fields}));
    } catch (e) { /* storage full or off: the server's own answers still keep posted values */ }
  });

  if (form.dataset.fresh !== "true") {  // the server took the post and shows it (refused:
    forget(key);  // 422, 409), so its edits are no session's lost ones to bring back later
    return;
  }
  let draft = null;
  try { draft = JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { draft = null; }
  if (!draft || !draft.refused || Date.now() - draft.at > MAX_AGE_MS ||
      draft.by !== (form.dataset.user || "")) { forget(key); return; }

  const last = {};
  draft.fields.forEach(function (pair) { (last[pair[0]] = last[pair[0]] || []).push(pair[1]); });
  Array.prototype.forEach.call(form.elements, function (el) {
    const values = last[el.name];
    if (!values || el.disabled || el.readOnly) return;
    if (el.type === "checkbox") el.checked = values.indexOf(el.value) !== -1;
    else if (el.type !== "hidden" || el.name === "base_version") el.value = values[values.length - 1];
  });
  const notice = document.createElement("div");
  notice.className = "flash warning";  /* nothing went wrong: edits to review, not an error */
  notice.id = "draft-restored";
  notice.setAttribute("role", "status");
  form.parentNode.insertBefore(notice, form);
  /* A status region is announced when its words change, not when it arrives with them:
     it goes in empty, and its words a moment later. */
  setTimeout(function () {
    notice.appendChild(document.createTextNode(
      "Your edits from before you signed in again are back in the form. " +
      "Nothing has been saved yet: review them and save. "));
    const discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = "Discard them";
    discard.addEventListener("click", function () { forget(key); location.reload(); });
    notice.appendChild(discard);
  }, 100);
})();
