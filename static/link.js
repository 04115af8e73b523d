// The pages an e-mailed link opens: the link carries its token in the fragment, which
// the browser never sends; this copies it into the form so the form can post it.
"use strict";
(function () {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  for (const field of document.querySelectorAll("input[name=token]")) {
    if (token && !field.value) field.value = token;
  }
  if (token) history.replaceState(null, "", location.pathname + location.search);
})();
