// Signing in and out of a service that needs a token. The sign-in page keeps the token in the
// cookie the service reads (a browser cannot add an Authorization header to a page, an <img> or a
// <video>); the other pages' "Sign out" button clears it. Plain DOM, nothing from elsewhere.
"use strict";

const cookieName = "video_tracker_token";
const maxAgeSeconds = 30 * 24 * 60 * 60;

// SameSite=Strict: the browser sends the cookie only on this site's own requests, never on another
// site's form or script, so it cannot be used for cross-site requests. Secure on https.
function setCookie(value, maxAge) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = cookieName + "=" + encodeURIComponent(value) + "; path=/; max-age=" + maxAge + "; SameSite=Strict" + secure;
}

function hasCookie() {
  return document.cookie.split(";").some((pair) => pair.trim().startsWith(cookieName + "="));
}

// Loads this page again, now with the cookie. A navigation started by this page itself, so it
// counts as same-site even when the sign-in page was reached from a link on another site.
function loadAgain() { location.replace(location.href); }

// A signed-in browser that follows a link from another site arrives without its SameSite=Strict
// cookie and is shown the sign-in page: this page then loads itself once more, a same-site
// navigation that carries the cookie. The note in sessionStorage keeps that to once per page.
const retryKey = "video_tracker_signin_retry";
const retried = sessionStorage.getItem(retryKey) === location.href;
sessionStorage.removeItem(retryKey);

const form = document.getElementById("signin-form");
if (form && hasCookie() && document.getElementById("refused").hidden && !retried) {
  sessionStorage.setItem(retryKey, location.href);
  loadAgain();
}
if (form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = document.getElementById("token").value;
    if (token === "") return;
    setCookie(token, maxAgeSeconds);
    loadAgain();
  });
}

const signOut = document.getElementById("sign-out");
if (signOut && hasCookie()) {
  signOut.hidden = false;
  signOut.addEventListener("click", () => {
    setCookie("", 0);
    loadAgain();
  });
}
