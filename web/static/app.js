// Progressive enhancement only: every feature works without this file.
// Shows the filter boxes of long facet lists and filters their values as the user types.
document.querySelectorAll(".facet-filter").forEach(function (input) {
  input.hidden = false;
  var section = input.closest(".facet");
  input.addEventListener("input", function () {
    var needle = input.value.trim().toLowerCase();
    var more = section.querySelector("details.more");
    if (more && needle) more.open = true;
    section.querySelectorAll(".facet-values li").forEach(function (li) {
      li.hidden = needle !== "" && li.textContent.toLowerCase().indexOf(needle) === -1;
    });
  });
});
// Changing the sort or the timeline's split submits the form at once.
["sort", "timeline_by"].forEach(function (id) {
  var select = document.getElementById(id);
  if (select) select.addEventListener("change", function () { select.form.submit(); });
});
