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

  async function refresh() {
    try {
      const response = await fetchFragment();
      if (response.status === 401) { window.location.reload(); return; }
      if (!response.ok) { markStale("the server answered " + response.status); return; }
      board.innerHTML = await response.text();
      markFresh();
    } catch (error) {
      markStale(error.name === "AbortError" ? "no answer within " + timeout / 1000 + " s"
                                            : "the server could not be reached");
    } finally {
      setTimeout(refresh, every);
    }
  }
  setTimeout(refresh, every);
})();
