// Short polling: replace the wallboard's numbers with a fresh server-rendered fragment.
(function () {
  const board = document.getElementById("wallboard");
  if (!board) return;
  const every = 1000 * Number(board.dataset.refreshS || 3);
  async function refresh() {
    try {
      const response = await fetch(board.dataset.url, {credentials: "same-origin"});
      if (response.status === 401) { window.location.reload(); return; }
      if (response.ok) board.innerHTML = await response.text();
    } catch (error) {
      board.dataset.stale = "yes";  // keep the last numbers; try again next round
    }
    setTimeout(refresh, every);
  }
  setTimeout(refresh, every);
})();
