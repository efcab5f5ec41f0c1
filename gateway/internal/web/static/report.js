// nastavnik: live checks on the report form. As the person types, the values
// go to the service's :check call (nothing is saved) and the rule violations
// appear beside their fields. Without JavaScript the same messages appear
// after «Сохранить».
(function () {
  "use strict";
  var form = document.querySelector("form[data-check]");
  if (!form || !window.fetch) { return; }
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var status = document.getElementById("live-status");
  var timer = null;

  function values() {
    var out = {};
    form.querySelectorAll("[data-field]").forEach(function (box) {
      var code = box.getAttribute("data-field"), type = box.getAttribute("data-type");
      if (type === "count") {
        var v = box.querySelector("input[name=f_" + code + "]").value.replace(/[\s\u00a0]/g, "");
        if (/^[0-9]{1,9}$/.test(v)) { out[code] = {count: v}; }
      } else if (type === "yesno") {
        var checked = box.querySelector("input[type=radio]:checked");
        if (checked) {
          var ref = {};
          ["number", "date", "link"].forEach(function (k) {
            var e = box.querySelector("input[name=f_" + code + "_" + k + "]");
            if (e && e.value) { ref[k] = e.value; }
          });
          out[code] = {yesNo: {yes: checked.value === "yes", reference: ref}};
        }
      } else {
        var t = box.querySelector("textarea");
        if (t && t.value.trim()) { out[code] = {text: t.value.trim()}; }
      }
    });
    return out;
  }

  function show(violations) {
    form.querySelectorAll(".live-message").forEach(function (e) { e.remove(); });
    form.querySelectorAll(".rule-message").forEach(function (e) { e.hidden = true; });
    form.querySelectorAll("[data-field]").forEach(function (box) {
      box.classList.remove("field--error", "field--warning", "field--live-error", "field--live-warning");
    });
    var errors = 0, warnings = 0;
    form.querySelectorAll("[data-type=count]").forEach(function (box) {
      var v = box.querySelector("input").value.replace(/[\s\u00a0]/g, "");
      if (v !== "" && !/^[0-9]{1,9}$/.test(v)) {
        violations = violations.concat([{message: "Введите целое число, например 12", fields: [box.getAttribute("data-field")]}]);
      }
    });
    violations.forEach(function (v) {
      if (v.rule === "required") { return; }
      var warn = v.severity === "SEVERITY_WARNING";
      if (warn) { warnings++; } else { errors++; }
      (v.fields || []).forEach(function (code) {
        var box = form.querySelector("[data-field=\"" + code + "\"]");
        if (!box) { return; }
        var msg = document.createElement("span");
        msg.className = "live-message " + (warn ? "warning-message" : "error-message");
        msg.textContent = v.message;
        var anchor = box.querySelector("input, textarea, .radios");
        box.insertBefore(msg, anchor);
        box.classList.add(warn ? "field--live-warning" : "field--live-error");
      });
    });
    if (status) {
      status.textContent = errors + warnings === 0 ? "Ошибок не найдено." :
        "Проверка: ошибок — " + errors + ", предупреждений — " + warnings + ".";
    }
  }

  function check() {
    fetch(form.getAttribute("data-check"), {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({values: values()})
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) { show(body.violations || []); } })
      .catch(function () { /* offline: the check runs again on save */ });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 500);
  });
})();
