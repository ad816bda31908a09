// A componentize-js guest for witgen's end-to-end tests (world `greeter`, wit/world.wit).
export function greet(name) {
  return `Hello, ${name}!`;
}

export function sum(values) {
  let total = 0n;
  for (const v of values) total += BigInt(v);
  return total;
}

export function shout(msg) {
  console.log(msg.toUpperCase());
}

export function nowMs() {
  return Date.now();
}

export function randomBytes(n) {
  const bytes = new Uint8Array(n);
  crypto.getRandomValues(bytes);
  return bytes;
}
