/* Keep the "save this search" and Atom feed links in step with the live search results. */
(function () {
    "use strict";
    document.addEventListener("search:updated", function (event) {
        var params = new URLSearchParams((event.detail && event.detail.querystring) || "");
        params.delete("page");
        var qs = params.toString();
        document.querySelectorAll("[data-save-search] a[data-base]").forEach(function (link) {
            link.href = link.getAttribute("data-base") + (qs ? "?" + qs : "");
        });
        var alternate = document.querySelector('link[rel="alternate"][type="application/atom+xml"]');
        if (alternate) {
            var base = alternate.getAttribute("href").split("?")[0];
            alternate.setAttribute("href", base + (qs ? "?" + qs : ""));
        }
    });
})();
