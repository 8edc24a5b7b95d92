// Drafts on site: what is typed into a form marked data-draft="PAGE:FORM" is kept in this
// browser, for the signed-in account only, until the server has taken it, so a dropped
// connection or a closed tab on a phone loses nothing. When the page is shown again the typed
// text comes back (fields the server filled are left alone; checkboxes such as a declaration
// are never kept: they are made afresh). Once the form is gone from its page (the work was
// saved), its draft is removed; signing out removes every draft kept in this browser.
(function () {
  "use strict";
  var ROOT = "sanshe-draft:";
  var store;
  try {
    store = window.localStorage;
    store.setItem(ROOT + "probe", "1");
    store.removeItem(ROOT + "probe");
  } catch (e) {
    return;
  }
  document.querySelectorAll("form[data-draft-clear]").forEach(function (f) {
    f.addEventListener("submit", function () {
      for (var i = store.length - 1; i >= 0; i--) {
        var k = store.key(i);
        if (k && k.indexOf(ROOT) === 0) {
          store.removeItem(k);
        }
      }
    });
  });
  var user = document.body.getAttribute("data-draft-user");
  if (!user) {
    return;
  }
  var PREFIX = ROOT + user + ":";
  var kept = function (el) {
    return el.type !== "hidden" && el.type !== "file" && el.type !== "checkbox" && el.type !== "radio";
  };
  var pages = {};
  var present = {};
  document.querySelectorAll("[data-draft-page]").forEach(function (el) {
    pages[el.getAttribute("data-draft-page")] = true;
  });
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = PREFIX + form.getAttribute("data-draft");
    present[key] = true;
    var fields = form.querySelectorAll("input[name], textarea[name], select[name]");
    var saved = null;
    try {
      saved = JSON.parse(store.getItem(key) || "null");
    } catch (e) {
      saved = null;
    }
    if (saved) {
      var restored = false;
      fields.forEach(function (el) {
        if (kept(el) && el.name in saved && !el.value && saved[el.name]) {
          el.value = saved[el.name];
          restored = true;
        }
      });
      var note = form.getAttribute("data-draft-restored");
      if (restored && note) {
        var p = document.createElement("p");
        p.className = "notice draft-restored";
        p.setAttribute("role", "status");
        p.textContent = note;
        form.insertBefore(p, form.firstChild);
      }
    }
    var save = function () {
      var v = {};
      fields.forEach(function (el) {
        if (kept(el)) {
          v[el.name] = el.value;
        }
      });
      try {
        store.setItem(key, JSON.stringify(v));
      } catch (e) {
        /* storage full: the form still works */
      }
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  });
  // This account's drafts of forms this page no longer shows were taken by the server.
  for (var i = store.length - 1; i >= 0; i--) {
    var k = store.key(i);
    if (!k || k.indexOf(PREFIX) !== 0 || present[k]) {
      continue;
    }
    if (pages[k.slice(PREFIX.length).split(":")[0]]) {
      store.removeItem(k);
    }
  }
})();
