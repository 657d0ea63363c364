/*
 * Search page enhancements (the page works without them):
 * - live results: a change in the form fetches the same URL with "X-Requested-With: fetch",
 *   swaps the results and facets, and updates the address bar (back/forward work);
 *   then dispatches `search:updated` on document ({detail: {url, querystring}}) for the map;
 * - the commune field becomes an ARIA 1.2 combobox over /api/communes.
 */
(function () {
    "use strict";

    function debounce(fn, ms) {
        var timer;
        return function () {
            var args = arguments, self = this;
            clearTimeout(timer);
            timer = setTimeout(function () { fn.apply(self, args); }, ms);
        };
    }

    function formQuery(form) {
        var data = new FormData(form);
        var params = new URLSearchParams();
        var commune = data.get("commune");
        data.forEach(function (value, key) {
            if (value === "" || key === "page") { return; }
            if (key === "ou" && commune) { return; }  // the combobox already resolved it
            if (key === "rayon" && !commune && !data.get("ou")) { return; }
            params.append(key, value);
        });
        return params.toString();
    }

    function initLiveSearch(form) {
        var results = document.querySelector(form.getAttribute("data-results"));
        var facets = document.getElementById("search-facets");
        if (!results) { return; }
        var controller = null;
        var base = form.getAttribute("action") || window.location.pathname;

        // The live update replaces the facets and results: keep keyboard focus on the control
        // the visitor was using (found again by id, or by name and value), or it falls to <body>.
        function focusedControl() {
            var el = document.activeElement;
            if (!el || !(results.contains(el) || (facets && facets.contains(el)))) { return null; }
            return {id: el.id, name: el.name, value: el.value};
        }

        function restoreFocus(key) {
            if (!key || (document.activeElement && document.activeElement !== document.body)) { return; }
            var el = key.id ? document.getElementById(key.id) : null;
            if (!el && key.name && window.CSS && CSS.escape) {
                el = form.querySelector('[name="' + CSS.escape(key.name) + '"][value="' + CSS.escape(key.value || "") + '"]');
            }
            if (!el) { return; }
            var details = el.closest("details");
            if (details) { details.open = true; }
            el.focus({preventScroll: true});
        }

        // Screen readers hear the new total through a status region that the update keeps.
        var announcer = form.querySelector("[data-search-announcer]");
        function announce() {
            var count = results.querySelector("#results-count");
            if (!announcer || !count) { return; }
            announcer.textContent = "";
            setTimeout(function () { announcer.textContent = count.textContent.trim(); }, 100);
        }

        function load(url, push) {
            var focusKey = focusedControl();
            if (controller) { controller.abort(); }
            controller = new AbortController();
            results.setAttribute("aria-busy", "true");
            return fetch(url, {headers: {"X-Requested-With": "fetch"}, signal: controller.signal})
                .then(function (response) {
                    if (!response.ok) { throw new Error(response.status); }
                    var finalUrl = response.url || url;
                    return response.text().then(function (html) { return [html, finalUrl]; });
                })
                .then(function (pair) {
                    var html = pair[0], finalUrl = pair[1];
                    var holder = document.createElement("div");
                    holder.innerHTML = html;
                    var update = holder.querySelector("#search-facets-update");
                    if (update && facets) {
                        facets.innerHTML = "";
                        facets.appendChild(update.content.cloneNode(true));
                        update.remove();
                    }
                    results.innerHTML = holder.innerHTML;
                    results.removeAttribute("aria-busy");
                    restoreFocus(focusKey);
                    announce();
                    if (push) { window.history.pushState({search: true}, "", finalUrl); }
                    var qs = finalUrl.indexOf("?") >= 0 ? finalUrl.slice(finalUrl.indexOf("?")) : "";
                    document.dispatchEvent(new CustomEvent("search:updated", {
                        detail: {url: finalUrl, querystring: qs}
                    }));
                })
                .catch(function (error) {
                    if (error.name === "AbortError") { return; }
                    // The live update failed: the same results as a plain page load (said in
                    // the console, so that a journey losing its focus this way tells why).
                    if (window.console) { console.error("live search update failed:", error); }
                    window.location.href = url;
                });
        }

        function submit() {
            var qs = formQuery(form);
            load(base + (qs ? "?" + qs : ""), true);
        }

        form.addEventListener("submit", function (event) {
            event.preventDefault();
            submit();
        });
        form.addEventListener("change", function (event) {
            var target = event.target;
            if (target.name === "q" || target.name === "ou") { return; }  // wait for submit
            if (target.name === "rayon" && !form.elements.commune.value) { return; }
            submit();
        });
        results.addEventListener("click", function (event) {
            var link = event.target.closest("a");
            if (!link || !results.contains(link)) { return; }
            if (!link.closest(".chips, .pagination, .no-results")) { return; }
            event.preventDefault();
            load(link.href, true);
            if (link.closest(".pagination")) { results.scrollIntoView({block: "start"}); }
        });
        window.addEventListener("popstate", function () {
            load(window.location.href, false).then(function () {
                syncForm(form);
            });
        });
        // Apply-filters button is only needed without JavaScript.
        var apply = form.querySelector(".search-form__apply");
        if (apply) { apply.hidden = true; }
    }

    function syncForm(form) {
        var params = new URLSearchParams(window.location.search);
        if (form.elements.q) { form.elements.q.value = params.get("q") || ""; }
        if (form.elements.commune) { form.elements.commune.value = params.get("commune") || ""; }
        if (!params.get("commune") && form.elements.ou) { form.elements.ou.value = ""; }
    }

    var comboboxCount = 0;

    function initCombobox(wrapper) {
        var input = wrapper.querySelector('input[type="text"]');
        var hidden = wrapper.querySelector('input[type="hidden"]');
        var endpoint = wrapper.getAttribute("data-endpoint");
        if (!input || !hidden || !endpoint) { return; }
        comboboxCount += 1;
        var listId = "commune-options-" + comboboxCount;
        var list = document.createElement("ul");
        list.id = listId;
        list.className = "combobox__list";
        list.setAttribute("role", "listbox");
        list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent : "Communes");
        list.hidden = true;
        wrapper.classList.add("combobox");
        wrapper.appendChild(list);
        input.setAttribute("role", "combobox");
        input.setAttribute("aria-autocomplete", "list");
        input.setAttribute("aria-expanded", "false");
        input.setAttribute("aria-controls", listId);
        var options = [];
        var active = -1;
        var selectedLabel = input.value;

        function close() {
            list.hidden = true;
            input.setAttribute("aria-expanded", "false");
            input.removeAttribute("aria-activedescendant");
            active = -1;
        }

        function highlight(index) {
            options.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
            active = index;
            if (index >= 0) {
                input.setAttribute("aria-activedescendant", options[index].id);
                options[index].scrollIntoView({block: "nearest"});
            } else {
                input.removeAttribute("aria-activedescendant");
            }
        }

        function choose(index) {
            var li = options[index];
            if (!li) { return; }
            input.value = li.getAttribute("data-label");
            selectedLabel = input.value;
            hidden.value = li.getAttribute("data-insee");
            close();
            hidden.dispatchEvent(new Event("change", {bubbles: true}));
        }

        var search = debounce(function () {
            var text = input.value.trim();
            if (text.length < 2) { close(); return; }
            fetch(endpoint + "?q=" + encodeURIComponent(text))
                .then(function (r) { return r.json(); })
                .then(function (data) {
                    list.innerHTML = "";
                    options = data.results.map(function (item, i) {
                        var li = document.createElement("li");
                        li.id = listId + "-" + i;
                        li.setAttribute("role", "option");
                        li.setAttribute("aria-selected", "false");
                        li.setAttribute("data-insee", item.insee);
                        li.setAttribute("data-label", item.label);
                        li.textContent = item.label + (item.postal_code ? " — " + item.postal_code : "");
                        li.addEventListener("mousedown", function (event) {
                            event.preventDefault();
                            choose(i);
                        });
                        list.appendChild(li);
                        return li;
                    });
                    list.hidden = options.length === 0;
                    input.setAttribute("aria-expanded", options.length ? "true" : "false");
                    active = -1;
                })
                .catch(close);
        }, 150);

        input.addEventListener("input", function () {
            if (input.value !== selectedLabel) { hidden.value = ""; }
            search();
        });
        input.addEventListener("keydown", function (event) {
            var open = !list.hidden && options.length;
            if (event.key === "ArrowDown") {
                event.preventDefault();
                if (!open) { search(); return; }
                highlight(Math.min(active + 1, options.length - 1));
            } else if (event.key === "ArrowUp") {
                if (open) { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
            } else if (event.key === "Enter") {
                if (open && active >= 0) { event.preventDefault(); choose(active); }
            } else if (event.key === "Escape") {
                if (open) { event.preventDefault(); close(); }
            }
        });
        input.addEventListener("blur", function () { setTimeout(close, 100); });
    }

    // Phones: the facet list (a dozen groups) is folded behind a button showing how many
    // filters are ticked, so the results are not pushed a few screens down.
    function initFacetToggle(aside) {
        var toggle = aside.querySelector("[data-facets-toggle]");
        var panel = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
        if (!panel) { return; }
        var badge = toggle.querySelector("[data-facets-count]");
        var narrow = window.matchMedia("(max-width: 63.99rem)");
        function count() {
            var n = panel.querySelectorAll("input[type=checkbox]:checked").length;
            badge.textContent = n ? " (" + n + ")" : "";
        }
        function apply() {
            toggle.hidden = !narrow.matches;
            panel.hidden = narrow.matches && toggle.getAttribute("aria-expanded") !== "true";
        }
        toggle.addEventListener("click", function () {
            var open = toggle.getAttribute("aria-expanded") === "true";
            toggle.setAttribute("aria-expanded", open ? "false" : "true");
            apply();
        });
        narrow.addEventListener("change", apply);
        panel.addEventListener("change", count);
        new MutationObserver(count).observe(panel, { childList: true, subtree: true });
        count();
        apply();
    }

    function init() {
        document.querySelectorAll("[data-facets]").forEach(initFacetToggle);
        document.querySelectorAll("[data-commune-combobox]").forEach(initCombobox);
        document.querySelectorAll("form[data-live-search]").forEach(initLiveSearch);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
