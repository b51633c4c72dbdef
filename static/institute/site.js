// Behaviour shared by every page, kept in a file: the Content-Security-Policy allows no
// inline scripts (institute.middleware.ContentSecurityPolicyMiddleware).

// <form data-confirm="question">: the form is sent only once the person has said yes to the
// question (issuing a document takes its number for good). Listened to in the capture
// phase, so a refusal stops the form before anything else sees it.
document.addEventListener(
  "submit",
  function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm")) return;
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true
);

// <form data-disable-on-submit>: its submit buttons are disabled once it is sent, so a second
// click does not send it twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-disable-on-submit")) return;
  form.querySelectorAll("[type=submit]").forEach(function (button) {
    button.disabled = true;
  });
});

// <input type="checkbox" data-select-all="selector">: ticks or clears every checkbox the
// selector names (admitting a whole list of applicants at once), and shows itself ticked,
// clear or in between as they are.
(function () {
  function targets(master) {
    return document.querySelectorAll(master.getAttribute("data-select-all"));
  }
  function reflect(master) {
    var boxes = Array.prototype.slice.call(targets(master));
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    master.checked = boxes.length > 0 && ticked === boxes.length;
    master.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.hasAttribute && box.hasAttribute("data-select-all")) {
      targets(box).forEach(function (each) { each.checked = box.checked; });
      return;
    }
    document.querySelectorAll("[data-select-all]").forEach(function (master) {
      if (box.matches && box.matches(master.getAttribute("data-select-all"))) reflect(master);
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-select-all]").forEach(reflect);
  });
})();
