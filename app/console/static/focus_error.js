// After a refused submit, focus goes to what says why (data-focus-first): a keyboard or
// screen-reader user had been left at the top of the page, with the marked box somewhere
// among a hundred tab stops. Links in it lead to each marked box.
(function () {
  var first = document.querySelector("[data-focus-first]");
  if (first) { first.focus(); }
})();
