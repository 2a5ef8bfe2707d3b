// Short polling: replace the wallboard's numbers with a fresh server-rendered fragment.
// Any failure (network error, HTTP error, no answer within the timeout) keeps the last
// numbers and says so in a banner; the next round is always scheduled; a success clears it.
(function () {
  const board = document.getElementById("wallboard");
  if (!board) return;
  const banner = document.getElementById("stale");
  const every = 1000 * Number(board.dataset.refreshS || 3);
  const timeout = 3 * every;  // a hung request must not stop the refreshing for good
  document.querySelectorAll(".needs-js").forEach(function (el) { el.hidden = false; });

  function shownAsOf() {
    const asof = board.querySelector(".asof");
    return asof ? asof.dataset.asOf : "the page was loaded";
  }

  function markStale(reason) {
    board.dataset.stale = "yes";  // keep the last numbers; try again next round
    if (!banner) return;
    banner.textContent = "Not updated since " + shownAsOf() + " (" + reason +
      ") — retrying every " + every / 1000 + " s.";
    banner.hidden = false;
  }

  function markFresh() {
    delete board.dataset.stale;
    if (banner) { banner.hidden = true; banner.textContent = ""; }
  }

  async function fetchFragment() {
    const abort = new AbortController();
    const timer = setTimeout(function () { abort.abort(); }, timeout);
    try {
      return await fetch(board.dataset.url, {credentials: "same-origin", signal: abort.signal});
    } finally {
      clearTimeout(timer);
    }
  }

  // Pausing (WCAG 2.2.2), or text selected in the board, holds the numbers: each round had
  // rebuilt the board, taking away a reader's place, focus, selection and sideways scroll.
  const pause = document.getElementById("pause-updates");
  let paused = false;
  if (pause) {
    pause.addEventListener("click", function () {
      paused = !paused;
      pause.setAttribute("aria-pressed", String(paused));
      pause.textContent = paused ? "Resume updates" : "Pause updates";
      if (!paused) { refresh(); }
    });
  }

  // A selection holds the board for at most HOLD_MS, saying so: a stray double-tap on a
  // wall screen had frozen it, its numbers looking live (review 32 R1).
  const HOLD_MS = 60000;
  let heldSince = null;
  function selecting() {
    const chosen = window.getSelection();
    const text = chosen && !chosen.isCollapsed && board.contains(chosen.anchorNode)
      ? chosen.toString().trim() : "";
    if (!text) { heldSince = null; return false; }
    heldSince = heldSince || Date.now();
    if (Date.now() - heldSince > HOLD_MS) { return false; }
    if (banner) {
      banner.textContent = "Held while text is selected (as of " + shownAsOf() +
        "); updates again when it is not, or after " + HOLD_MS / 1000 + " s.";
      banner.hidden = false;
    }
    return true;
  }

  function replaceKeepingPlace(html) {
    const scrolled = {};
    board.querySelectorAll("[data-queue]").forEach(function (card) {
      scrolled[card.dataset.queue] = card.scrollLeft;
    });
    const had = document.activeElement && board.contains(document.activeElement)
      ? document.activeElement.closest("[data-queue]") : null;
    board.innerHTML = html;
    board.querySelectorAll("[data-queue]").forEach(function (card) {
      card.scrollLeft = scrolled[card.dataset.queue] || 0;
      if (had && card.dataset.queue === had.dataset.queue) { card.focus({preventScroll: true}); }
    });
  }

  let waiting = null;
  async function refresh() {
    clearTimeout(waiting);
    if (paused || selecting()) { waiting = setTimeout(refresh, every); return; }
    try {
      const response = await fetchFragment();
      if (response.status === 401) { window.location.reload(); return; }
      if (!response.ok) { markStale("the server answered " + response.status); return; }
      const html = await response.text();
      if (paused || selecting()) { return; }  // held while the answer was on its way
      replaceKeepingPlace(html);
      markFresh();
    } catch (error) {
      markStale(error.name === "AbortError" ? "no answer within " + timeout / 1000 + " s"
                                            : "the server could not be reached");
    } finally {
      clearTimeout(waiting);
      waiting = setTimeout(refresh, every);
    }
  }
  waiting = setTimeout(refresh, every);
})();
