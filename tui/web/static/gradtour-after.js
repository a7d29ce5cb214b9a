// Runs after textual.js, which starts the terminal in window.onload. The
// terminal is started once the served fonts are in (xterm.js measures its
// cell from the font it has when it opens: measured on a fallback font,
// every CJK cell would be the wrong width), then given the keyboard focus,
// so that the first key works without a click.
(() => {
  const start = window.onload;
  const focusTerminal = () => {
    const input = document.querySelector(".xterm-helper-textarea");
    if (input) input.focus();
  };
  window.onload = async (event) => {
    try {
      await Promise.all([document.fonts.load('16px "Roboto Mono"', "a"), document.fonts.load('16px "Roboto Mono"', "中")]);
    } catch (error) {
      console.warn("gradtour: fonts not loaded", error);
    }
    start(event);
    focusTerminal();
    document.getElementById("gradtour-reconnect").addEventListener("click", () => window.location.reload());
    // A click on the page's margins or a dialog must not leave the keys
    // going nowhere.
    document.body.addEventListener("mouseup", () => {
      if (!document.body.classList.contains("-closed")) focusTerminal();
    });
  };
})();
