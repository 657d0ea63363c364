// Loaded in <head>, before the first paint: styles written for "js" apply at once. A file, not
// an inline script, so that the Content-Security-Policy can refuse every inline script.
document.documentElement.classList.replace("no-js", "js");
