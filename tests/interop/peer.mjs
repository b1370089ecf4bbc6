// An independent ActivityPub peer built on Fedify, driven by Coffee's Python tests.
//
//   node peer.mjs [--port 0] [--host 127.0.0.1] [--username peer] [--first-knock rfc9421]
//
// It federates like any Fedify server (WebFinger, actor, inbox, signatures) and also
// answers a plain-JSON control API under /_control/ that only the tests use.  When it
// listens it prints one JSON line on stdout ({"ready": true, "port": ..., ...}) so the
// harness learns the port without racing for it; everything else goes to stderr, one
// line per event.

import "./node20.mjs"; // first: lets Fedify 1.10 run on Node 20 (see the file)

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";

import { configure, getLogger } from "@logtape/logtape";
import {
  Accept, Activity, Add, Announce, Block, Collection, Create, Delete, Endpoints, Flag, Follow,
  Hashtag, Join, Leave, Like, Link, Move, Object as APObject, Person, PropertyValue, Reject,
  Remove, Undo, Update, createFederation, generateCryptoKeyPair, getDocumentLoader, getTypeId,
  isActor, lookupWebFinger, MemoryKvStore, parseSemVer,
} from "@fedify/fedify";

const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";
const MAX_BODY = 1024 * 1024;
const FEDIFY_VERSION = JSON.parse(
  readFileSync(new URL("./node_modules/@fedify/fedify/package.json", import.meta.url), "utf8"),
).version;

// Activity types the control API can build; anything else must come as a full `activity`.
const ACTIVITY_CLASSES = {
  Accept, Add, Announce, Block, Create, Delete, Flag, Follow, Join, Leave, Like, Move,
  Reject, Remove, Undo, Update,
};

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PEER_PORT ?? "0" },
    host: { type: "string", default: process.env.PEER_HOST ?? "127.0.0.1" },
    username: { type: "string", default: process.env.PEER_USERNAME ?? "peer" },
    "first-knock": { type: "string", default: process.env.PEER_FIRST_KNOCK ?? "rfc9421" },
  },
});
const USERNAME = args.username;

// ---------------------------------------------------------------------------------------
// Logging: Fedify logs through LogTape; we print every record as one stderr line so the
// Python harness can show the peer's side of a failure in its assertion message.  The
// signature categories run at debug level because that is where Fedify says *why* it
// rejected a signature ("no Digest header found", "created too far in the past", ...).

function formatValue(value) {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function stderrSink(record) {
  const text = record.message.map((part, i) => (i % 2 ? formatValue(part) : part)).join("");
  const line = `${new Date(record.timestamp).toISOString()} ${record.level} ` +
    `${record.category.join(".")} ${text}`.replace(/\s*\n\s*/g, " | ");
  process.stderr.write(`${line.slice(0, 4000)}\n`);
}

await configure({
  sinks: { stderr: stderrSink },
  contextLocalStorage: new AsyncLocalStorage(), // Fedify tags records with request ids
  loggers: [
    { category: "fedify", lowestLevel: "info", sinks: ["stderr"] },
    { category: ["fedify", "sig"], lowestLevel: "debug", sinks: ["stderr"], parentSinks: "override" },
    { category: "peer", lowestLevel: "debug", sinks: ["stderr"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
  ],
});
const log = getLogger("peer");

// ---------------------------------------------------------------------------------------
// In-memory state.  Everything the tests may want to assert on is kept here and exposed
// through the control API; `reset` clears the logs, not the social graph.

const state = {
  inbox: [],          // verified inbound activities, in arrival order
  requests: [],       // every federated HTTP request this peer answered
  outgoing: [],       // every HTTP request this peer made (fetches, deliveries, knocks)
  followers: new Map(), // actor id -> { id, inbox, sharedInbox }
  following: new Map(), // actor id -> { follow: Follow, state: "pending" | "accepted" | "rejected" }
  documents: new Map(), // path -> JSON-LD of objects and activities this peer created
  onFollow: "accept",   // how to answer a Follow: accept | reject | ignore
  authorizedFetches: [], // { key, owner } of each signed GET Fedify verified (authorized fetch)
};

// Lets the inbox listeners see how the request that carried an activity was signed.
const requestInfo = new AsyncLocalStorage();

function signatureOf(headers) {
  const get = (name) => (headers instanceof Headers ? headers.get(name) : headers[name]) ?? null;
  const input = get("signature-input");
  const sig = get("signature");
  if (input != null) {
    return { scheme: "rfc9421", keyId: /keyid="([^"]*)"/i.exec(input)?.[1] ?? null };
  }
  if (sig != null) {
    return { scheme: "draft-cavage", keyId: /keyId="([^"]*)"/.exec(sig)?.[1] ?? null };
  }
  return { scheme: null, keyId: null };
}

// ---------------------------------------------------------------------------------------
// Outgoing fetches.  Two reasons to wrap the global fetch Fedify uses:
//  1. Fedify always resolves `acct:` handles over https://host/.well-known/webfinger; the
//     test network is plain http on loopback, so (only) loopback WebFinger is rewritten
//     to http.  Documents, keys and inboxes are fetched at the exact URLs served.
//  2. Record every outbound request with its signature scheme and status, so tests can
//     see Fedify's double-knocking (RFC 9421 first, draft-cavage after a 4xx/5xx).

const realFetch = globalThis.fetch;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

globalThis.fetch = async (input, init) => {
  let url = new URL(input instanceof Request ? input.url : String(input));
  let rewritten = false;
  if (url.protocol === "https:" && url.pathname === "/.well-known/webfinger" &&
      LOOPBACK.test(url.hostname) && !(input instanceof Request)) {
    url = new URL(url.href.replace(/^https:/, "http:"));
    input = url;
    rewritten = true;
  }
  const method = input instanceof Request ? input.method : (init?.method ?? "GET");
  const headers = input instanceof Request ? input.headers : new Headers(init?.headers);
  const entry = { at: new Date().toISOString(), method, url: url.href, ...signatureOf(headers) };
  if (rewritten) entry.rewrittenFromHttps = true;
  state.outgoing.push(entry);
  try {
    const response = await realFetch(input, init);
    entry.status = response.status;
    log.info("out {method} {url} {status} sig={scheme}", { ...entry });
    return response;
  } catch (error) {
    entry.error = String(error?.cause ?? error);
    log.info("out {method} {url} failed: {error}", { ...entry });
    throw error;
  }
};

// ---------------------------------------------------------------------------------------
// Federation.  Bound to the port first so that the origin (and thus every id) is exact.

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    log.error("unhandled error for {method} {url}: {error}", { method: req.method, url: req.url, error });
    if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    else res.end();
  });
});
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(Number(args.port), args.host, resolve);
});
const PORT = server.address().port;
const ORIGIN = `http://${args.host.includes(":") ? `[${args.host}]` : args.host}:${PORT}`;

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin: ORIGIN,
  // No queue: deliveries happen inside sendActivity(), so a failed delivery is an error
  // the control API can report instead of a silent retry hours later.
  allowPrivateAddress: true, // the whole test network lives on 127.0.0.1
  // Fedify's default loader caches documents for 5 minutes; a test that updates a profile
  // and looks it up again must see the new document.  (The public-key cache stays.)
  documentLoaderFactory: () => getDocumentLoader({ allowPrivateAddress: true }),
  firstKnock: args["first-knock"],
});

// Keys are generated at start-up: RSA for HTTP signatures (what the fediverse verifies),
// Ed25519 for Object Integrity Proofs (FEP-8b32), both published as FEP-521a Multikeys.
const keyPairs = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify interop peer",
      summary: `An independent ActivityPub implementation (Fedify ${FEDIFY_VERSION}) used by Coffee's tests.`,
      url: new URL(`/users/${identifier}`, ORIGIN),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      manuallyApprovesFollowers: false,
      // Like Fedify's own tutorial: the RSA key as `publicKey`, every key as Multikey.
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
    });
  })
  .mapHandle((_ctx, username) => (username === USERNAME ? USERNAME : null))
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === USERNAME ? keyPairs : []));

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    const items = [...state.followers.values()].map((f) => ({
      id: new URL(f.id),
      inboxId: new URL(f.inbox),
      endpoints: f.sharedInbox == null ? null : { sharedInbox: new URL(f.sharedInbox) },
    }));
    return { items };
  })
  .setCounter((_ctx, identifier) => (identifier === USERNAME ? state.followers.size : null));

// The `following` collection requires authorized fetch (as Mastodon's secure mode does):
// Fedify verifies the GET's signature with its own code, fetching the signer's key, and
// answers 401 to anything unsigned or unverifiable.  The verified owners are kept.
federation
  .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    const items = [...state.following.entries()]
      .filter(([, f]) => f.state === "accepted")
      .map(([id]) => new URL(id));
    return { items };
  })
  .authorize((_ctx, _identifier, signedKey, signedKeyOwner) => {
    if (signedKey == null || signedKeyOwner == null) return false;
    state.authorizedFetches.push({ key: signedKey.id?.href ?? null, owner: signedKeyOwner.id?.href ?? null });
    return true;
  });

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "fedify-interop-peer", version: parseSemVer(FEDIFY_VERSION) },
  protocols: ["activitypub"],
  usage: { users: { total: 1 }, localPosts: state.documents.size },
}));

// Records a verified inbound activity: the summary the tests match on, Fedify's own
// re-serialisation (what it understood) and the body exactly as it arrived.
async function record(ctx, activity) {
  const info = requestInfo.getStore() ?? {};
  const json = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  const object = json.object;
  const entry = {
    type: typeName(activity),
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object: typeof object === "string" ? { id: object, type: null }
      : object == null ? null : { id: object.id ?? null, type: object.type ?? null },
    recipient: ctx.recipient,
    signature: info.signature ?? null,
    receivedAt: new Date().toISOString(),
    json,
    raw: info.body ?? null,
  };
  state.inbox.push(entry);
  log.info("inbox {type} {id} from {actor} (object {objectId}, {scheme})", {
    type: entry.type, id: entry.id, actor: entry.actor, objectId: entry.object?.id,
    scheme: entry.signature?.scheme,
  });
  return entry;
}

async function onFollow(ctx, follow) {
  await record(ctx, follow);
  if (follow.objectId?.href !== ctx.getActorUri(USERNAME).href || follow.actorId == null) return;
  const follower = await follow.getActor(ctx);
  if (!isActor(follower) || follower.inboxId == null) {
    log.warn("cannot answer Follow {id}: its actor has no inbox", { id: follow.id?.href });
    return;
  }
  if (state.onFollow === "ignore") return;
  const accepted = state.onFollow === "accept";
  if (accepted) {
    state.followers.set(follower.id.href, {
      id: follower.id.href,
      inbox: follower.inboxId.href,
      sharedInbox: follower.endpoints?.sharedInbox?.href ?? null,
    });
  }
  const Answer = accepted ? Accept : Reject;
  // The Follow is echoed by ids only (as Mastodon does): the parsed one now also holds
  // the follower's whole actor document, fetched by getActor() above.
  const answer = new Answer({
    id: newId("activities"),
    actor: ctx.getActorUri(USERNAME),
    object: new Follow({ id: follow.id, actor: follow.actorId, object: follow.objectId }),
    to: follower.id,
  });
  // Answer outside the inbox request, as Mastodon and most servers do: the follower's
  // 202 must not wait for our Accept to be delivered back to it.
  await keep(ctx, answer);
  setImmediate(() => {
    ctx.sendActivity({ identifier: USERNAME }, follower, answer)
      .then(() => log.info("sent {type} of {follow} to {inbox}", {
        type: typeName(answer), follow: follow.id?.href, inbox: follower.inboxId.href,
      }))
      .catch((error) => log.error("could not send {type} of {follow}: {error}", {
        type: typeName(answer), follow: follow.id?.href, error,
      }));
  });
}

async function onAnswer(ctx, answer) {
  await record(ctx, answer);
  const ours = [...state.following.entries()].find(([actorId, f]) =>
    f.follow.id.href === answer.objectId?.href ||
    (actorId === answer.actorId?.href && f.state === "pending"));
  if (ours != null) ours[1].state = answer instanceof Accept ? "accepted" : "rejected";
}

async function onUndo(ctx, undo) {
  await record(ctx, undo);
  const object = await undo.getObject(ctx).catch(() => null);
  if (object instanceof Follow && undo.actorId != null) state.followers.delete(undo.actorId.href);
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  // An activity id is handled once per inbox (Fedify 2's default; 1.x warns without it).
  .withIdempotency("per-inbox")
  .on(Follow, onFollow)
  .on(Accept, onAnswer)
  .on(Reject, onAnswer)
  .on(Undo, onUndo)
  .on(Create, record)
  .on(Update, record)
  .on(Delete, record)
  .on(Join, record)
  .on(Leave, record)
  .on(Announce, record)
  .on(Activity, record) // every other type is still recorded, never dropped silently
  .onError((_ctx, error) => log.error("inbox listener failed: {error}", { error }));

// ---------------------------------------------------------------------------------------
// Helpers over Fedify's object model.

function typeName(object) {
  return getTypeId(object)?.href.replace(/^.*[#/]/, "") ?? null;
}

function href(value) {
  if (value == null) return null;
  if (value instanceof URL) return value.href;
  if (value instanceof Link) return value.href?.href ?? null;
  if (value instanceof APObject) return value.id?.href ?? null;
  return String(value);
}

// "TypeError: fetch failed" says nothing; the cause (ECONNREFUSED, ...) does.
function describe(error) {
  const cause = error?.cause == null ? "" : ` (${error.cause.code ?? error.cause.message ?? error.cause})`;
  return `${error}${cause}`;
}

function text(value) {
  return value == null ? null : String(value);
}

// {"fr": ..., "en": ...} from Fedify's LanguageString values; untagged ones under "und".
function languageMap(values) {
  if (values.length === 0) return null;
  const map = {};
  for (const value of values) map[value.language?.compact() ?? "und"] = String(value);
  return map;
}

async function collect(iterable, map) {
  const out = [];
  try {
    for await (const item of iterable) out.push(await map(item));
  } catch (error) {
    out.push({ error: String(error) });
  }
  return out;
}

function loadersOf(ctx) {
  return { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader };
}

function newId(kind) {
  return new URL(`/${kind}/${randomUUID()}`, ORIGIN);
}

// A JSON summary of an object, read *through Fedify's accessors*: if a field is missing
// here, Fedify did not understand it in our document.
async function summarize(ctx, object) {
  const loaders = loadersOf(ctx);
  const summary = {
    type: typeName(object),
    typeIri: getTypeId(object)?.href ?? null,
    id: object.id?.href ?? null,
    name: text(object.name),
    nameMap: languageMap(object.names),
    summary: text(object.summary),
    summaryMap: languageMap(object.summaries),
    content: text(object.content),
    contentMap: languageMap(object.contents),
    mediaType: object.mediaType ?? null,
    url: href(object.url),
    urls: object.urls.map(href),
    published: object.published?.toString() ?? null,
    updated: object.updated?.toString() ?? null,
    attributedTo: object.attributionIds.map((u) => u.href),
    to: object.toIds.map((u) => u.href),
    cc: object.ccIds.map((u) => u.href),
    startTime: object.startTime?.toString() ?? null,
    endTime: object.endTime?.toString() ?? null,
    location: null,
    icon: null,
    image: null,
    attachments: await collect(object.getAttachments(loaders), (a) =>
      a instanceof PropertyValue
        ? { type: "PropertyValue", name: text(a.name), value: text(a.value) }
        : { type: a instanceof Link ? "Link" : typeName(a), id: href(a), name: text(a.name) }),
    tags: await collect(object.getTags(loaders), (t) =>
      t instanceof Hashtag
        ? { type: "Hashtag", name: text(t.name), href: t.href?.href ?? null }
        : { type: typeName(t), name: text(t.name), href: t instanceof Link ? t.href?.href ?? null : href(t) }),
  };
  try {
    const location = await object.getLocation(loaders);
    if (location != null) {
      summary.location = { type: typeName(location), id: href(location), name: text(location.name) };
    }
  } catch (error) {
    summary.location = { error: String(error) };
  }
  for (const field of ["icon", "image"]) {
    try {
      const img = await (field === "icon" ? object.getIcon(loaders) : object.getImage(loaders));
      if (img != null) summary[field] = { type: typeName(img), url: href(img.url), mediaType: img.mediaType ?? null };
    } catch (error) {
      summary[field] = { error: String(error) };
    }
  }
  if (isActor(object)) {
    Object.assign(summary, {
      preferredUsername: text(object.preferredUsername),
      inbox: object.inboxId?.href ?? null,
      outbox: object.outboxId?.href ?? null,
      followers: object.followersId?.href ?? null,
      following: object.followingId?.href ?? null,
      endpoints: { sharedInbox: object.endpoints?.sharedInbox?.href ?? null },
      manuallyApprovesFollowers: object.manuallyApprovesFollowers ?? null,
      discoverable: object.discoverable ?? null,
      publicKeyIds: object.publicKeyIds.map((u) => u.href),
      assertionMethodIds: object.assertionMethodIds.map((u) => u.href),
      publicKeys: await collect(object.getPublicKeys(loaders), (k) => ({
        id: k.id?.href ?? null,
        owner: k.ownerId?.href ?? null,
        algorithm: k.publicKey?.algorithm?.name ?? null,
      })),
    });
  }
  if (object instanceof Collection) {
    summary.totalItems = object.totalItems ?? null;
    summary.first = object.firstId?.href ?? null;
  }
  if (object instanceof Activity) {
    summary.actor = object.actorId?.href ?? null;
    summary.object = object.objectId?.href ?? null;
  }
  summary.jsonld = await object.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  return summary;
}

// Why did lookupObject() return null?  Fedify swallows the reason (it logs at debug), so
// repeat its steps one by one and report the first that fails.
async function diagnoseLookup(ctx, uri) {
  let url;
  try {
    url = new URL(uri.startsWith("@") ? `acct:${uri.slice(1)}` : uri);
  } catch {
    return `not a URI: ${uri}`;
  }
  if (url.protocol === "acct:") {
    const jrd = await lookupWebFinger(url, { allowPrivateAddress: true });
    if (jrd == null) return `WebFinger lookup of ${uri} failed (see the peer's stderr)`;
    const asProfile = /^application\/ld\+json;\s*profile="https:\/\/www.w3.org\/ns\/activitystreams"/;
    const self = (jrd.links ?? []).find((l) => l.rel === "self" &&
      (l.type === "application/activity+json" || asProfile.test(l.type ?? "")));
    if (self?.href == null) {
      return `WebFinger for ${uri} has no rel=self link of type application/activity+json: ${JSON.stringify(jrd)}`;
    }
    url = new URL(self.href);
  }
  let remote;
  try {
    remote = await ctx.documentLoader(url.href);
  } catch (error) {
    return `fetching ${url.href} failed: ${describe(error)}`;
  }
  let object;
  try {
    object = await APObject.fromJsonLd(remote.document, {
      ...loadersOf(ctx), baseUrl: new URL(remote.documentUrl),
    });
  } catch (error) {
    return `Fedify could not parse ${remote.documentUrl}: ${error}`;
  }
  if (object.id != null && object.id.origin !== new URL(remote.documentUrl).origin) {
    return `the object's id ${object.id.href} has another origin than ${remote.documentUrl}`;
  }
  return `lookupObject returned nothing for ${uri}`;
}

// Resolves `to` (actor URL, acct: handle or bare inbox URL) into a Fedify Recipient and
// the actor id to address (null for a bare inbox).  Fedify silently skips recipients
// without an id, so a bare inbox gets its own URL as a stand-in id.
async function resolveRecipient(ctx, to, inbox) {
  if (inbox != null) {
    return { recipient: { id: new URL(to ?? inbox), inboxId: new URL(inbox), endpoints: null }, actorId: to };
  }
  const target = await ctx.lookupObject(to).catch(() => null);
  if (target != null && isActor(target)) return { recipient: target, actorId: target.id.href };
  // Not an actor: a bare inbox URL (a GET on an inbox may 405 or answer a collection).
  if (/^https?:/.test(to)) {
    return { recipient: { id: new URL(to), inboxId: new URL(to), endpoints: null }, actorId: null };
  }
  throw new ControlError(422, `${to} is not an actor: ${await diagnoseLookup(ctx, to)}`);
}

// ---------------------------------------------------------------------------------------
// Control API.

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function controlContext() {
  return federation.createContext(new URL(ORIGIN), undefined);
}

function need(body, field) {
  if (typeof body?.[field] !== "string" || body[field] === "") {
    throw new ControlError(400, `"${field}" (a string) is required`);
  }
  return body[field];
}

// Keeps what this peer creates, so receivers can dereference its ids.
async function keep(ctx, object) {
  if (object.id?.origin !== ORIGIN) return;
  state.documents.set(object.id.pathname,
    await object.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }));
}

// Signs and delivers `activity` now (no queue); returns the HTTP requests that took.
async function deliver(ctx, recipients, activity, options = {}) {
  await keep(ctx, activity);
  const mark = state.outgoing.length;
  try {
    await ctx.sendActivity({ identifier: USERNAME }, recipients, activity, options);
  } catch (error) {
    throw new ControlError(502, `delivery failed: ${describe(error)}`);
  }
  const requests = state.outgoing.slice(mark);
  if (recipients !== "followers" && !requests.some((r) => r.method === "POST")) {
    throw new ControlError(502, "Fedify delivered to no inbox");
  }
  return requests;
}

async function lookupActor(ctx, target) {
  const actor = await ctx.lookupObject(target);
  if (actor == null) throw new ControlError(422, await diagnoseLookup(ctx, target));
  if (!isActor(actor)) throw new ControlError(422, `${target} is a ${typeName(actor)}, not an actor`);
  return actor;
}

// Builds the object of an activity from control JSON: a string is an id; a JSON object is
// completed (context, id, author, audience), parsed by Fedify and kept so it can be fetched.
async function buildObject(ctx, object, recipientId) {
  if (object == null) return null;
  if (typeof object === "string") return new URL(object);
  const json = { "@context": AS_CONTEXT, ...object };
  json.id ??= newId("objects").href;
  if (!("attributedTo" in json) && !["Person", "Service", "Tombstone"].includes(json.type)) {
    json.attributedTo = ctx.getActorUri(USERNAME).href;
  }
  if (!("to" in json) && recipientId != null) json.to = recipientId;
  const parsed = await APObject.fromJsonLd(json, loadersOf(ctx));
  await keep(ctx, parsed);
  return parsed;
}

async function controlSend(ctx, body) {
  const toFollowers = body.to === "followers";
  if (body.inbox == null) need(body, "to");
  const { recipient, actorId: recipientId } = toFollowers
    ? { recipient: null, actorId: null }
    : await resolveRecipient(ctx, body.to ?? null, body.inbox ?? null);
  let activity;
  if (body.activity != null) {
    const json = { "@context": AS_CONTEXT, ...body.activity };
    json.id ??= newId("activities").href;
    json.actor ??= ctx.getActorUri(USERNAME).href;
    activity = await Activity.fromJsonLd(json, loadersOf(ctx));
  } else {
    const type = need(body, "type");
    const Cls = ACTIVITY_CLASSES[type];
    if (Cls == null) {
      throw new ControlError(400, `unknown activity type ${type}; pass a full "activity" instead`);
    }
    const objectJson = body.object ?? (type === "Follow" ? recipientId : null);
    let to = null;
    if (toFollowers) to = ctx.getFollowersUri(USERNAME);
    else if (recipientId != null) to = new URL(recipientId);
    activity = new Cls({
      id: newId("activities"),
      actor: ctx.getActorUri(USERNAME),
      object: await buildObject(ctx, objectJson, recipientId),
      to,
    });
  }
  const requests = await deliver(ctx, toFollowers ? "followers" : recipient, activity,
    { preferSharedInbox: body.preferSharedInbox === true });
  if (activity instanceof Follow && recipientId != null) {
    state.following.set(recipientId, { follow: activity, state: "pending" });
  }
  return {
    sent: activity.id?.href ?? null,
    type: typeName(activity),
    inbox: recipient?.inboxId?.href ?? null,
    activity: await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }),
    requests,
  };
}

async function control(method, path, body) {
  const ctx = controlContext();
  const route = `${method} ${path.replace(/\/+$/, "")}`;
  switch (route) {
    case "GET /_control/health":
      return {
        ok: true,
        actor: ctx.getActorUri(USERNAME).href,
        handle: `acct:${USERNAME}@${new URL(ORIGIN).host}`,
        fedify: FEDIFY_VERSION,
        url: ORIGIN,
      };
    case "GET /_control/inbox":
      return state.inbox;
    case "GET /_control/requests":
      return state.requests;
    case "GET /_control/outgoing":
      return state.outgoing;
    case "GET /_control/state":
      return {
        onFollow: state.onFollow,
        followers: [...state.followers.keys()],
        following: Object.fromEntries([...state.following].map(([id, f]) => [id, f.state])),
        authorizedFetches: state.authorizedFetches,
      };
    case "POST /_control/reset":
      state.inbox.length = 0;
      state.requests.length = 0;
      state.outgoing.length = 0;
      return { ok: true };
    case "POST /_control/config":
      if (body.onFollow != null) {
        if (!["accept", "reject", "ignore"].includes(body.onFollow)) {
          throw new ControlError(400, "onFollow must be accept, reject or ignore");
        }
        state.onFollow = body.onFollow;
      }
      return { onFollow: state.onFollow };
    case "POST /_control/lookup": {
      const uri = need(body, "uri");
      let object;
      try {
        object = await ctx.lookupObject(uri);
      } catch (error) {
        throw new ControlError(422, `Fedify could not read ${uri}: ${describe(error)}`);
      }
      if (object == null) throw new ControlError(422, await diagnoseLookup(ctx, uri));
      return await summarize(ctx, object);
    }
    case "POST /_control/subscribe-template": {
      // Mastodon's remote-interaction link of `handle`, as Fedify's WebFinger client reads it.
      const resource = need(body, "handle");
      const jrd = await lookupWebFinger(resource.startsWith("acct:") ? resource : `acct:${resource}`,
        { allowPrivateAddress: true }); // the test network is on 127.0.0.1
      const link = jrd?.links?.find((l) => l.rel === "http://ostatus.org/schema/1.0/subscribe");
      if (link?.template == null) throw new ControlError(422, `no subscribe template for ${resource}`);
      return { template: link.template };
    }
    case "POST /_control/follow": {
      const actor = await lookupActor(ctx, need(body, "target"));
      const follow = new Follow({
        id: newId("activities"), actor: ctx.getActorUri(USERNAME), object: actor.id, to: actor.id,
      });
      const requests = await deliver(ctx, actor, follow);
      state.following.set(actor.id.href, { follow, state: "pending" });
      return { followed: actor.id.href, inbox: actor.inboxId?.href ?? null, activity: follow.id.href, requests };
    }
    case "POST /_control/unfollow": {
      const actor = await lookupActor(ctx, need(body, "target"));
      const followed = state.following.get(actor.id.href);
      if (followed == null) throw new ControlError(409, `${USERNAME} does not follow ${actor.id.href}`);
      const undo = new Undo({
        id: newId("activities"), actor: ctx.getActorUri(USERNAME), object: followed.follow, to: actor.id,
      });
      const requests = await deliver(ctx, actor, undo);
      state.following.delete(actor.id.href);
      return { unfollowed: actor.id.href, activity: undo.id.href, requests };
    }
    case "POST /_control/send":
      return await controlSend(ctx, body);
    default:
      throw new ControlError(404, `no control endpoint ${route}`);
  }
}

// ---------------------------------------------------------------------------------------
// HTTP plumbing: node:http <-> the fetch API that Fedify speaks.

function sendJson(res, status, value) {
  const data = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { "content-type": "application/json", "content-length": data.length });
  res.end(data);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ControlError(413, "body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function toHeaders(raw) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value != null) headers.set(name, value);
  }
  return headers;
}

async function handle(req, res) {
  let body;
  try {
    body = await readBody(req);
  } catch (error) {
    if (error instanceof ControlError) return sendJson(res, error.status, { error: error.message });
    throw error;
  }
  // The URL the client used (Host header included), since signatures cover it.
  const url = new URL(req.url, `http://${req.headers.host ?? new URL(ORIGIN).host}`);

  if (url.pathname.startsWith("/_control/")) {
    let parsed = {};
    if (body.length > 0) {
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return sendJson(res, 400, { error: "body is not JSON" });
      }
    }
    try {
      const result = await control(req.method, url.pathname, parsed);
      return sendJson(res, 200, result);
    } catch (error) {
      const status = error instanceof ControlError ? error.status : 500;
      log.warn("control {method} {path} -> {status}: {error}",
        { method: req.method, path: url.pathname, status, error: error.message });
      return sendJson(res, status, { error: error.message });
    }
  }

  const entry = {
    at: new Date().toISOString(), method: req.method, path: url.pathname + url.search,
    ...signatureOf(req.headers),
  };
  state.requests.push(entry);

  // Objects and activities the control API created, so receivers can dereference them.
  const stored = state.documents.get(url.pathname);
  if (req.method === "GET" && stored != null) {
    entry.status = 200;
    const data = Buffer.from(JSON.stringify(stored));
    res.writeHead(200, { "content-type": "application/activity+json", "content-length": data.length });
    return res.end(data);
  }

  const request = new Request(url, {
    method: req.method,
    headers: toHeaders(req.headers),
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });
  const response = await requestInfo.run(
    { signature: { scheme: entry.scheme, keyId: entry.keyId }, body: safeJson(body) },
    () => federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("Not found.", { status: 404 }),
      onNotAcceptable: () => new Response("Not acceptable: ask for application/activity+json.", { status: 406 }),
    }),
  );
  const payload = Buffer.from(await response.arrayBuffer());
  entry.status = response.status;
  if (response.status >= 400) entry.error = payload.toString("utf8").slice(0, 500);
  log.info("http {method} {path} {status} sig={scheme}", entry);
  const headers = {};
  response.headers.forEach((value, name) => { headers[name] = value; });
  headers["content-length"] = payload.length;
  res.writeHead(response.status, headers);
  res.end(payload);
}

function safeJson(buffer) {
  try {
    return buffer.length === 0 ? null : JSON.parse(buffer.toString("utf8"));
  } catch {
    return buffer.toString("utf8").slice(0, 2000);
  }
}

log.info("listening on {origin} as {actor} (Fedify {version}, first knock {spec})", {
  origin: ORIGIN, actor: `${ORIGIN}/users/${USERNAME}`, version: FEDIFY_VERSION, spec: args["first-knock"],
});
const ready = { ready: true, port: PORT, url: ORIGIN, actor: `${ORIGIN}/users/${USERNAME}`, fedify: FEDIFY_VERSION };
process.stdout.write(`${JSON.stringify(ready)}\n`);

// Exit at once when the harness terminates us: nothing here needs flushing.
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
