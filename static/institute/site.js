// Behaviour shared by every page, kept in a file: the Content-Security-Policy allows no
// inline scripts (institute.middleware.ContentSecurityPolicyMiddleware).

// <form data-disable-on-submit>: its submit buttons are disabled once it is sent, so a second
// click does not send it twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-disable-on-submit")) return;
  form.querySelectorAll("[type=submit]").forEach(function (button) {
    button.disabled = true;
  });
});
