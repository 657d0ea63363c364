/*
 * Community pages: progressive enhancement only (every form works without it).
 * - Focus the error summary of a form that came back with errors, or the comment named in the URL.
 * - Opening a "Répondre" disclosure moves focus to its text area.
 * - Commune fields get suggestions from the gazetteer in a <datalist>.
 */
(function () {
    "use strict";
    if (window.__carrefourCommunity) {
        return;
    }
    window.__carrefourCommunity = true;

    function focusOnLoad() {
        var summary = document.querySelector("[data-autofocus]");
        if (summary) {
            summary.focus();
            return;
        }
        var match = /^#commentaire-\d+$/.exec(window.location.hash);
        var target = match && document.querySelector(match[0]);
        if (target) {
            target.focus();
        }
    }

    function initReplies() {
        document.querySelectorAll("details.comment__reply").forEach(function (details) {
            details.addEventListener("toggle", function () {
                var area = details.querySelector("textarea");
                if (details.open && area) {
                    area.focus();
                }
            });
        });
    }

    function initCommunes() {
        document.querySelectorAll("input[data-commune-autocomplete]").forEach(function (input, index) {
            var form = input.closest("form");
            var url = form && form.getAttribute("data-commune-url");
            if (!url) {
                return;
            }
            var list = document.createElement("datalist");
            list.id = "communes-" + index;
            input.insertAdjacentElement("afterend", list);
            input.setAttribute("list", list.id);
            var timer = null;
            input.addEventListener("input", function () {
                window.clearTimeout(timer);
                var value = input.value.trim();
                if (value.length < 2 || /\(\w{5}\)$/.test(value)) {
                    return;
                }
                timer = window.setTimeout(function () {
                    fetch(url + "?q=" + encodeURIComponent(value), {headers: {"Accept": "application/json"}})
                        .then(function (response) { return response.ok ? response.json() : {results: []}; })
                        .then(function (data) {
                            list.textContent = "";
                            data.results.forEach(function (item) {
                                var option = document.createElement("option");
                                option.value = item.label;
                                option.textContent = item.department;
                                list.appendChild(option);
                            });
                        })
                        .catch(function () { /* suggestions are optional */ });
                }, 200);
            });
        });
    }

    function init() {
        focusOnLoad();
        initReplies();
        initCommunes();
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
