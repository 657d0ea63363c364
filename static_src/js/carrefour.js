/*
 * Progressive enhancement shared by every page. The site works without it.
 * - Small screens: the main menu collapses behind a "Menu" button (aria-expanded kept in sync).
 */
(function () {
    "use strict";

    function initNavToggle() {
        var toggle = document.querySelector(".nav-toggle");
        var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
        if (!toggle || !menu) {
            return;
        }

        function setExpanded(expanded) {
            toggle.setAttribute("aria-expanded", expanded ? "true" : "false");
            menu.classList.toggle("is-collapsed", !expanded);
        }

        toggle.hidden = false;
        setExpanded(false);

        toggle.addEventListener("click", function () {
            setExpanded(toggle.getAttribute("aria-expanded") !== "true");
        });

        // Escape closes the open menu and gives focus back to the button.
        document.addEventListener("keydown", function (event) {
            if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
                setExpanded(false);
                toggle.focus();
            }
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", initNavToggle);
    } else {
        initNavToggle();
    }
})();
