// Runs before textual.js. Its websocket is wrapped so that the page can
// (1) show why the server closed a tab (idle, full, stopped), which
// textual.js's own "Session ended" cannot say, and (2) keep the keys a
// learner types while the socket is still opening, which textual.js would
// send too early and lose: the first key works.
(() => {
  const Native = window.WebSocket;
  const showNotice = (text) => {
    const message = document.getElementById("gradtour-message");
    if (message && text) message.textContent = text;
  };
  class GradtourSocket extends Native {
    constructor(...args) {
      super(...args);
      this.waiting = [];
      this.addEventListener("open", () => {
        for (const data of this.waiting.splice(0)) super.send(data);
      });
      this.addEventListener("message", (event) => {
        if (typeof event.data !== "string" || !event.data.startsWith('["gradtour_notice"')) return;
        try {
          showNotice(JSON.parse(event.data)[1].text);
        } catch (error) {
          console.warn("gradtour: unreadable notice", error);
        }
      });
    }
    send(data) {
      if (this.readyState === Native.CONNECTING) this.waiting.push(data);
      else super.send(data);
    }
  }
  window.WebSocket = GradtourSocket;
})();

// textual.js opens a download (`x`, an exported script) with window.open in
// a new tab: not from a click, so a browser's pop-up blocker stops it, and
// the script never arrives. A link in this page downloads it instead.
(() => {
  const nativeOpen = window.open.bind(window);
  window.open = (url, ...rest) => {
    const target = new URL(url, window.location.href);
    if (target.origin !== window.location.origin || !target.pathname.startsWith("/download/")) {
      return nativeOpen(url, ...rest);
    }
    const link = document.createElement("a");
    link.href = target.href;
    link.download = "";
    document.body.appendChild(link);
    link.click();
    link.remove();
    return null;
  };
})();

// Copying what the learner selected. The app takes the mouse, so the
// terminal selects with shift+drag (xterm.js's rule); ctrl+c (or
// ctrl+shift+c) then copies that selection here, in the page, and the key
// is not sent on. With nothing selected it goes to the app, which copies
// the text selected in its editor, if any, and never quits on it.
// textual.js keeps its Terminal to itself: the Terminal is recognised when
// its constructor assigns `_core` (through a setter on Object.prototype,
// removed again at once; a setter already there, a test's, is chained).
(() => {
  const previous = Object.getOwnPropertyDescriptor(Object.prototype, "_core");
  const restore = () => {
    if (previous) Object.defineProperty(Object.prototype, "_core", previous);
    else delete Object.prototype._core;
  };
  const copySelections = (terminal) => {
    terminal.attachCustomKeyEventHandler((event) => {
      const copyKey = event.type === "keydown" && event.ctrlKey && !event.altKey && !event.metaKey
        && event.key.toLowerCase() === "c";
      if (!copyKey || !terminal.hasSelection()) return true;
      const text = terminal.getSelection();
      terminal.clearSelection();
      if (navigator.clipboard) {
        navigator.clipboard.writeText(text).catch((error) => console.warn("gradtour: not copied", error));
      }
      event.preventDefault();
      return false;
    });
  };
  Object.defineProperty(Object.prototype, "_core", {
    configurable: true,
    get() {
      return previous && previous.get ? previous.get.call(this) : undefined;
    },
    set(value) {
      if (previous && previous.set) previous.set.call(this, value);
      else Object.defineProperty(this, "_core", {value, writable: true, configurable: true});
      if (typeof this.attachCustomKeyEventHandler === "function" && typeof this.getSelection === "function") {
        restore();
        copySelections(this);
      }
    },
  });
})();
