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
