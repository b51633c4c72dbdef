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

// --- Issue 19: bulk work -------------------------------------------------------------------

// The attendance journal (#journal) from the keyboard: the arrow keys walk the grid of cells
// (Home and End go to the row's first and last), Space or Enter moves a cell's mark on (it is
// a button), and 1, 2, 3 set present, absent, excused: digits are the same keys on the
// Kazakh, Russian and English layouts. The cell's button says the name, date and mark, and
// keeps the focus when htmx replaces it, so the new mark is read out.
(function () {
  var MARKS = { "1": "present", "2": "absent", "3": "excused" };
  var MOVES = {
    ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0],
  };

  function position(cell) {
    var row = cell.parentElement;
    return [Array.prototype.indexOf.call(row.parentElement.rows, row), cell.cellIndex];
  }
  // The next cell with a button in that direction (a listener expelled has none), staying
  // among the marks (not the name or the share present).
  function step(body, from, by) {
    var row = from[0] + by[0], column = from[1] + by[1];
    while (row >= 0 && row < body.rows.length) {
      var cell = body.rows[row].cells[column];
      if (!cell || !cell.classList.contains("mark")) return null;
      var button = cell.querySelector("button");
      if (button) return button;
      row += by[0];
      column += by[1];
    }
    return null;
  }

  document.addEventListener("keydown", function (event) {
    var button = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (!button.closest || !button.closest("#journal td.mark")) return;
    var cell = button.closest("td"), body = cell.closest("tbody");
    var here = position(cell), target = null;
    if (MOVES[event.key]) {
      target = step(body, here, MOVES[event.key]);
    } else if (event.key === "Home" || event.key === "End") {
      var marks = body.rows[here[0]].querySelectorAll("td.mark button");
      target = marks[event.key === "Home" ? 0 : marks.length - 1];
    } else if (MARKS[event.key] && button.form) {
      event.preventDefault();
      button.form.querySelector("input[name=mark]").value = MARKS[event.key];
      button.form.requestSubmit();
      return;
    } else {
      return;
    }
    event.preventDefault();
    if (target) target.focus();
  });

  // htmx replaces the cell (or the whole table for "all present"): give the focus back to
  // the button of the same id in the new markup, unless the person has already moved it
  // elsewhere meanwhile (the removed button leaves the focus on the body; taking it back
  // from another cell would send the next key to the wrong person).
  var focused = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    focused = active && active.id && active.closest("#journal") ? active.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!focused) return;
    var again = document.getElementById(focused);
    focused = null;
    var active = document.activeElement;
    if (again && (!active || active === document.body)) again.focus();
  });
})();

// <fieldset data-basis="id of a select" data-shown-for="value …">: shown only while the select
// has one of those values, its controls disabled when hidden so they are not sent (the contract
// fields of a state-order seat). Without JavaScript every part shows, and the server refuses
// the other kind's details.
(function () {
  function reflect(part) {
    var select = document.getElementById(part.getAttribute("data-basis"));
    if (!select) return;
    var shown = part.getAttribute("data-shown-for").split(" ").indexOf(select.value) >= 0;
    part.hidden = !shown;
    part.querySelectorAll("input, select, textarea").forEach(function (control) {
      control.disabled = !shown;
    });
  }
  function reflectAll() {
    document.querySelectorAll("[data-basis][data-shown-for]").forEach(reflect);
  }
  document.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT") reflectAll();
  });
  document.addEventListener("DOMContentLoaded", reflectAll);
})();

// [data-error-summary]: a form sent back with errors puts the focus on its summary, which names
// each field wrong and links to it, so the person (and a screen reader) starts there.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});
