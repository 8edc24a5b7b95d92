// Drafts on site: what is typed into a form marked data-draft="PAGE:FORM" is kept in this
// browser until the server has taken it, so a dropped connection or a closed tab on a phone
// loses nothing. When the page is shown again the typed values come back (fields the server
// filled are left alone). Once the form is gone from its page (the work was saved), its
// draft is removed.
(function () {
  "use strict";
  var PREFIX = "sanshe-draft:";
  var store;
  try {
    store = window.localStorage;
    store.setItem(PREFIX + "probe", "1");
    store.removeItem(PREFIX + "probe");
  } catch (e) {
    return;
  }
  var pages = {};
  var present = {};
  document.querySelectorAll("[data-draft-page]").forEach(function (el) {
    pages[el.getAttribute("data-draft-page")] = true;
  });
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var name = form.getAttribute("data-draft");
    var key = PREFIX + name;
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
        if (el.type === "hidden" || el.type === "file" || !(el.name in saved)) {
          return;
        }
        if (el.type === "checkbox") {
          if (!el.checked && saved[el.name]) {
            el.checked = true;
            restored = true;
          }
        } else if (!el.value && saved[el.name]) {
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
        if (el.type === "hidden" || el.type === "file") {
          return;
        }
        v[el.name] = el.type === "checkbox" ? (el.checked ? el.value : "") : el.value;
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
  // Drafts of forms this page no longer shows were taken by the server.
  for (var i = store.length - 1; i >= 0; i--) {
    var k = store.key(i);
    if (!k || k.indexOf(PREFIX) !== 0 || present[k]) {
      continue;
    }
    var page = k.slice(PREFIX.length).split(":")[0];
    if (pages[page]) {
      store.removeItem(k);
    }
  }
})();
