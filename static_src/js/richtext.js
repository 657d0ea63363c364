/*
 * Rich-text editing of a <textarea data-richtext> (a holder's project description), with Squire
 * (squire-rte, served from static/vendor/squire/). Progressive enhancement: without JavaScript
 * the textarea itself is the field. With it, the textarea is hidden but stays the submitted
 * field: it is written only once the text has been changed, so a form saved unchanged sends back
 * exactly what it received. The features are those of the project's rich text field (paragraphs,
 * bold, italic, h3 subheadings, lists, links); the server sanitises again in any case.
 */
(function () {
    "use strict";
    if (!window.Squire || !("content" in document.createElement("template"))) {
        return; // the plain textarea stays
    }

    var KEEP = { P: 1, H3: 1, UL: 1, OL: 1, LI: 1, B: 1, I: 1, A: 1, BR: 1 };
    var RENAME = { STRONG: "B", EM: "I", DIV: "P", H1: "H3", H2: "H3", H4: "H3", H5: "H3", H6: "H3" };
    var DROP = { SCRIPT: 1, STYLE: 1, TEMPLATE: 1, IFRAME: 1, OBJECT: 1, SVG: 1, MATH: 1, NOSCRIPT: 1 };
    var SAFE_URL = /^(https?:\/\/|mailto:)/i;

    /* Pasted or loaded HTML → a fragment holding only the allowed elements (parsed inert). */
    function copyInto(source, target) {
        Array.prototype.forEach.call(source.childNodes, function (node) {
            if (node.nodeType === 3) {
                target.appendChild(document.createTextNode(node.nodeValue));
                return;
            }
            if (node.nodeType !== 1 || DROP[node.nodeName]) {
                return;
            }
            var name = RENAME[node.nodeName] || node.nodeName;
            if (!KEEP[name]) {
                copyInto(node, target); // unknown element: its text only
                return;
            }
            var element = document.createElement(name);
            if (name === "A") {
                var href = (node.getAttribute("href") || "").trim();
                if (!SAFE_URL.test(href)) {
                    copyInto(node, target);
                    return;
                }
                element.setAttribute("href", href);
            }
            copyInto(node, element);
            target.appendChild(element);
        });
    }

    function sanitize(html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        var fragment = document.createDocumentFragment();
        copyInto(template.content, fragment);
        return fragment;
    }

    function output(editor) {
        // Squire keeps a <br> at the end of blocks for the caret: not part of the text.
        return editor.getHTML().replace(/<br>(?=<\/(p|li|h3)>)/g, "").replace(/<p><\/p>/g, "");
    }

    function inHeading(editor) {
        return /(^|>)H3(>|$|\.|#)/.test(editor.getPath());
    }

    function toggleHeading(editor) {
        var to = inHeading(editor) ? "P" : "H3";
        editor.modifyBlocks(function (fragment) {
            Array.prototype.slice.call(fragment.childNodes).forEach(function (block) {
                if (block.nodeName === "P" || block.nodeName === "H3") {
                    var replacement = document.createElement(to);
                    while (block.firstChild) {
                        replacement.appendChild(block.firstChild);
                    }
                    fragment.replaceChild(replacement, block);
                }
            });
            return fragment;
        });
    }

    /* A line break inside the block (Shift+Enter), the caret after it. */
    function lineBreak(editor) {
        var range = editor.getSelection();
        editor.saveUndoState(range);
        range.deleteContents();
        var br = document.createElement("br");
        range.insertNode(br);
        if (!br.nextSibling) {
            // A line break ending its block shows no new line without a second one after it.
            br.parentNode.appendChild(document.createElement("br"));
        }
        range.setStartAfter(br);
        range.collapse(true);
        editor.setSelection(range);
    }

    function askLink(editor, strings) {
        var url = window.prompt(strings.linkPrompt, "https://");
        if (url === null) {
            return;
        }
        url = url.trim();
        if (!SAFE_URL.test(url)) {
            window.alert(strings.linkInvalid);
            return;
        }
        editor.makeLink(url);
    }

    var ACTIONS = [
        { name: "bold", format: "B", run: function (e) { e.hasFormat("B") ? e.removeBold() : e.bold(); } },
        { name: "italic", format: "I", run: function (e) { e.hasFormat("I") ? e.removeItalic() : e.italic(); } },
        { name: "heading", test: inHeading, run: toggleHeading },
        { name: "ul", format: "UL", run: function (e) { e.hasFormat("UL") ? e.removeList() : e.makeUnorderedList(); } },
        { name: "ol", format: "OL", run: function (e) { e.hasFormat("OL") ? e.removeList() : e.makeOrderedList(); } },
        { name: "link", format: "A", run: function (e, s) { e.hasFormat("A") ? e.removeLink() : askLink(e, s); } },
    ];

    function enhance(textarea) {
        var strings = JSON.parse(textarea.getAttribute("data-richtext"));
        var label = document.querySelector('label[for="' + textarea.id + '"]');
        var wrapper = document.createElement("div");
        wrapper.className = "richtext";
        var toolbar = document.createElement("div");
        toolbar.className = "richtext__toolbar";
        toolbar.setAttribute("role", "toolbar");
        toolbar.setAttribute("aria-label", strings.toolbar);
        var area = document.createElement("div");
        area.className = "richtext__area prose";
        area.id = textarea.id + "-editor";
        area.setAttribute("role", "textbox");
        area.setAttribute("aria-multiline", "true");
        if (label) {
            label.id = label.id || textarea.id + "-label";
            area.setAttribute("aria-labelledby", label.id);
            label.addEventListener("click", function (event) {
                event.preventDefault();
                area.focus();
            });
        }
        var described = textarea.getAttribute("aria-describedby");
        if (described) {
            area.setAttribute("aria-describedby", described);
        }
        toolbar.setAttribute("aria-controls", area.id);
        wrapper.appendChild(toolbar);
        wrapper.appendChild(area);
        textarea.parentNode.insertBefore(wrapper, textarea);
        textarea.hidden = true;

        var editor = new window.Squire(area, { blockTag: "P", sanitizeToDOMFragment: sanitize });
        editor.setHTML(textarea.value.trim() ? textarea.value : "");
        var buttons = ACTIONS.map(function (action) {
            var button = document.createElement("button");
            button.type = "button";
            button.className = "richtext__button richtext__button--" + action.name;
            button.textContent = strings[action.name];
            button.setAttribute("aria-pressed", "false");
            button.addEventListener("click", function () {
                action.run(editor, strings);
                editor.focus();
                refresh();
            });
            toolbar.appendChild(button);
            return button;
        });
        function refresh() {
            ACTIONS.forEach(function (action, index) {
                var on = action.test ? action.test(editor) : editor.hasFormat(action.format);
                buttons[index].setAttribute("aria-pressed", on ? "true" : "false");
            });
        }
        editor.addEventListener("pathChange", refresh);
        // Squire's own handling of these keys misfires in current Chromium (a line break does
        // nothing, bold toggles twice): handled here, before the editor sees them.
        wrapper.addEventListener("keydown", function (event) {
            var key = event.key.toLowerCase();
            var command = event.ctrlKey || event.metaKey;
            var run = null;
            if (key === "enter" && event.shiftKey && !command) {
                run = lineBreak;
            } else if (command && !event.shiftKey && !event.altKey && (key === "b" || key === "i")) {
                run = ACTIONS[key === "b" ? 0 : 1].run;
            }
            if (run && event.target === area) {
                event.preventDefault();
                event.stopPropagation();
                run(editor, strings);
                refresh();
            }
        }, true);
        // Written only after a change: an untouched form sends back what it received.
        editor.addEventListener("input", function () {
            textarea.value = output(editor);
        });
    }

    function init() {
        Array.prototype.forEach.call(document.querySelectorAll("textarea[data-richtext]"), enhance);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
