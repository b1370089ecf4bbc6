// Node 20 support for Fedify 1.10.
//
// Fedify 1.6+ declares Node >= 22 only because one dependency (byte-encodings, used for
// base64/multibase) calls ArrayBuffer.prototype.transfer (ES2024; Node 21+, V8 11.4).
// Node 20's V8 ships it behind --harmony-rab-gsab-transfer; rather than depend on a V8
// flag that later Node versions drop, install the spec's behaviour when it is missing:
// a new buffer of the requested length holding the old bytes, and the old one detached.
// On Node 22+ this file does nothing.

if (typeof ArrayBuffer.prototype.transfer !== "function") {
  Object.defineProperty(ArrayBuffer.prototype, "transfer", {
    configurable: true,
    writable: true,
    value: function transfer(newLength = this.byteLength) {
      const copy = new ArrayBuffer(newLength);
      new Uint8Array(copy).set(new Uint8Array(this, 0, Math.min(this.byteLength, newLength)));
      structuredClone(this, { transfer: [this] }); // detach, as the real method does
      return copy;
    },
  });
}
