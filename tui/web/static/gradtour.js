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
