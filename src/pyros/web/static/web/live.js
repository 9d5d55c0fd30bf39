/* Live regions: htmx polls page fragments; swap only when the fragment changed, so that
   screen readers announce changes (aria-live) rather than every poll, and text selection
   and scrolling survive polls.  Fragments are compared as the server sent them. */
document.addEventListener("htmx:beforeSwap", function (evt) {
  var elt = evt.detail.target;
  var text = evt.detail.serverResponse;
  if (evt.detail.xhr && evt.detail.xhr.status !== 200) {
    evt.detail.shouldSwap = false;          /* keep the last good view on errors */
    elt.classList.add("stale");
    return;
  }
  elt.classList.remove("stale");
  if (elt._pyrosLast === text) {
    evt.detail.shouldSwap = false;
  }
  elt._pyrosLast = text;
});
/* Logs: keep the scroll position of the scrollable log box across swaps. */
document.addEventListener("htmx:beforeSwap", function (evt) {
  evt.detail.target._pyrosScroll = evt.detail.target.scrollTop;
});
document.addEventListener("htmx:afterSwap", function (evt) {
  if (evt.detail.target._pyrosScroll) evt.detail.target.scrollTop = evt.detail.target._pyrosScroll;
});
