// Check formulas with the MathJax that Anki uses: the very file Anki ships, MathJax 3.2.2's
// `es5/tex-chtml-full.js` (vendored beside this script), with TeX input configured like Anki's.
//
// Usage: node mathjax_check.mjs BUNDLE < requests > responses
//   BUNDLE     path of tex-chtml-full.js
//   requests   one JSON object per line, answered in order, one JSON line each:
//              {"preamble": "TeX"}                 -> {"preamble": null | "MathJax message"}
//                 definitions (\newcommand, ...) in force for every later formula
//              {"tex": "...", "display": bool, "level": "parse"|"typeset", "measure": bool}
//                 -> {"error": null | "MathJax message", "width": em | null}
//   The process stays up until stdin closes, so a caller can stream formulas as it finds them.
//
// Exit status: 0 after the last answer; 2 for a bad request; 3 when the bundle cannot be loaded.
// Diagnostics go to stderr, whose last line says what went wrong.
//
// How this matches Anki (ts/mathjax/index.ts in Anki's source): Anki loads `tex-chtml-full` with
// tex.packages {"[+]": ["noerrors", "mathtools", ...], "[-]": ["textmacros"]}. tex-chtml-full's
// package list is ["require", ...AllPackages], so the packages in force are `require` plus every
// package of AllPackages except `textmacros`. The other TeX options are MathJax's defaults. Every
// [tex]/* extension is in the bundle and preloaded by it, so `\require{physics}` works as in Anki
// while a `\require` of anything else fails without fetching anything.
//
// The bundle is evaluated as a script in a page would be, with a stub `document` and `window` (it needs
// no DOM until it typesets), and none of its start-up code runs (no page to typeset). It runs in this
// process's own global context, not in a `vm` context of its own: there every one of MathJax's global
// lookups (Object, Array, Math, ...) goes through the context's interceptors, which made each formula
// take about twice as long (measured: 3.2 s against 1.6 s for 3,460 formulas). What the bundle could
// reach through Node's globals is guarded: the speech-rule engine's `require` calls are made only where
// there is no `window.document` (there is one), and in this ES module `require` does not exist. Its
// console output goes to stderr. MathJax's classes are then used directly, with a small DOM adaptor below
// instead of a browser (the bundle carries only the browser's one).
//
// Two deliberate differences in *presentation* only, so that MathJax's own message reaches us:
//   - noerrors (Anki shows the raw TeX on a red/yellow box, the message only as a tooltip) is
//     replaced by a formatError that throws the TexError with its message;
//   - noundefined (Anki shows an undefined `\foo` as red text "\foo") is left out, so base's
//     "Undefined control sequence \foo" is raised instead.
// Each formula is checked on its own: macros defined with \newcommand/\def/..., labels and
// \require-d packages do not carry over from one formula to the next (only the preamble's do).
//
// Levels: "parse" stops after the TeX input jax has built the MathML tree (every TeX error is
// raised there); "typeset" also runs the CommonHTML output, as Anki does. `measure` gives the
// formula's width in em (font size 1em) from CommonHTML's metrics, without building any output.

import fs from 'node:fs';
import process from 'node:process';
import readline from 'node:readline';
import vm from 'node:vm';

function fail(code, message) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function loadBundle(file) {
  let code;
  try {
    code = fs.readFileSync(file, 'utf8');
  } catch (err) {
    fail(3, `MathJax bundle not readable: ${err.message}`);
  }
  const log = (...args) => process.stderr.write(`${args.join(' ')}\n`);
  // stdout carries the answers: whatever the bundle logs goes to stderr
  Object.assign(console, { log, info: log, warn: log, error: log, debug: () => {} });
  const page = {
    // just enough of a page for the bundle's start-up code (script location, <base>, SRE's config)
    document: {
      currentScript: { src: 'about:blank/tex-chtml-full.js' },
      getElementById: () => null,
      getElementsByTagName: () => [],
      documentElement: { querySelectorAll: () => [] },
    },
    MathJax: {
      loader: {
        failed: () => {},
        // a \require of a package the bundle lacks fails at once instead of fetching a script
        require: (name) => {
          throw new Error(`Can't load "${name}"`);
        },
        versionWarnings: false,
      },
      startup: { typeset: false, ready() {}, pageReady() {} },
    },
  };
  Object.assign(globalThis, page, { window: globalThis });
  try {
    codeCache.script = new vm.Script(code, { filename: 'tex-chtml-full.js', ...codeCache.options(file) });
    codeCache.script.runInThisContext();
  } catch (err) {
    fail(3, `MathJax bundle could not be loaded: ${String(err && err.message).split('\n')[0]}`);
  }
  const M = globalThis.MathJax;
  if (M.version !== '3.2.2') fail(3, `MathJax bundle is version ${M.version}, not 3.2.2`);
  return M;
}

// V8's code cache for the 1.3 MB bundle (about half of the start-up), kept in
// $ANKIGEN_NODE_CACHE when the caller names a folder for it.
const codeCache = {
  path: null,
  options(file) {
    const dir = process.env.ANKIGEN_NODE_CACHE;
    if (!dir) return {};
    const stat = fs.statSync(file);
    this.path = `${dir}/mathjax-${process.version}-${stat.size}-${Math.floor(stat.mtimeMs)}.v8cache`;
    try {
      const cachedData = fs.readFileSync(this.path);
      this.had = true;
      return { cachedData };
    } catch {
      return {};
    }
  },
  script: null,
  // after the first formulas, so that the functions they ran are in the cache too
  save() {
    const script = this.script;
    if (!this.path || !script || (this.had && !script.cachedDataRejected)) return;
    try {
      fs.mkdirSync(process.env.ANKIGEN_NODE_CACHE, { recursive: true });
      const tmp = `${this.path}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, this.path);
    } catch {
      // a cache that cannot be written only costs time
    }
  },
};

// A minimal DOM for MathJax's adaptor interface: elements {kind, attributes, children, parent},
// texts {kind: '#text', value}. Only what the CommonHTML output of one formula touches.
function makeAdaptor(M) {
  const { AbstractDOMAdaptor } = M._.core.DOMAdaptor;
  class Element {
    constructor(kind) {
      Object.assign(this, { kind, attributes: {}, styles: {}, children: [], parent: null });
    }
  }
  class Document extends Element {}
  const el = (kind) => (kind === '#document' ? new Document(kind) : new Element(kind));
  class Adaptor extends AbstractDOMAdaptor {
    constructor() {
      super(null);
      // what MathJax's HTML handler asks to know a document when it sees one
      this.window = { Document, HTMLElement: Element, DocumentFragment: Document };
    }
    parse() {
      const doc = el('#document');
      const html = el('html');
      const head = el('head');
      const body = el('body');
      this.append(html, head);
      this.append(html, body);
      this.append(doc, html);
      doc.head = head;
      doc.body = body;
      return doc;
    }
    create(kind) { return el(kind); }
    text(value) { return { kind: '#text', value, parent: null }; }
    head(doc) { return doc.head; }
    body(doc) { return doc.body; }
    root(doc) { return doc.children[0]; }
    doctype() { return '<!DOCTYPE html>'; }
    tags() { return []; }
    getElements() { return []; }
    contains(container, node) {
      for (let n = node; n; n = n.parent) if (n === container) return true;
      return false;
    }
    parent(node) { return node.parent; }
    index(node) { return node.parent ? node.parent.children.indexOf(node) : -1; }
    append(node, child) {
      if (child.parent) this.remove(child);
      node.children.push(child);
      child.parent = node;
      return child;
    }
    insert(nchild, ochild) {
      if (nchild.parent) this.remove(nchild);
      const parent = ochild.parent;
      parent.children.splice(this.index(ochild), 0, nchild);
      nchild.parent = parent;
    }
    remove(child) {
      const i = this.index(child);
      if (i >= 0) child.parent.children.splice(i, 1);
      child.parent = null;
      return child;
    }
    clone(node) {
      if (node.kind === '#text') return this.text(node.value);
      const copy = el(node.kind);
      copy.attributes = { ...node.attributes };
      copy.styles = { ...node.styles };
      for (const child of node.children) this.append(copy, this.clone(child));
      return copy;
    }
    split(node, n) {
      const text = this.text(node.value.slice(n));
      node.value = node.value.slice(0, n);
      node.parent.children.splice(this.index(node) + 1, 0, text);
      text.parent = node.parent;
      return text;
    }
    next(node) { return node.parent ? node.parent.children[this.index(node) + 1] || null : null; }
    previous(node) { return node.parent ? node.parent.children[this.index(node) - 1] || null : null; }
    firstChild(node) { return node.children ? node.children[0] || null : null; }
    lastChild(node) { return node.children ? node.children[node.children.length - 1] || null : null; }
    childNodes(node) { return node.children ? [...node.children] : []; }
    childNode(node, i) { return node.children[i]; }
    kind(node) { return node.kind; }
    value(node) { return node.kind === '#text' ? node.value : ''; }
    textContent(node) {
      return node.kind === '#text' ? node.value : node.children.map((c) => this.textContent(c)).join('');
    }
    innerHTML(node) { return this.textContent(node); }
    outerHTML(node) { return this.textContent(node); }
    serializeXML(node) { return this.textContent(node); }
    setAttribute(node, name, value) { node.attributes[name] = String(value); }
    getAttribute(node, name) { return node.attributes[name]; }
    removeAttribute(node, name) { delete node.attributes[name]; }
    hasAttribute(node, name) { return Object.hasOwn(node.attributes, name); }
    allAttributes(node) {
      return Object.entries(node.attributes).map(([name, value]) => ({ name, value }));
    }
    addClass(node, name) {
      const classes = this.classes(node);
      if (!classes.includes(name)) node.attributes.class = [...classes, name].join(' ');
    }
    removeClass(node, name) { node.attributes.class = this.classes(node).filter((c) => c !== name).join(' '); }
    hasClass(node, name) { return this.classes(node).includes(name); }
    classes(node) { return (node.attributes.class || '').split(/ +/).filter(Boolean); }
    setStyle(node, name, value) { node.styles[name] = value; }
    getStyle(node, name) { return node.styles[name] || ''; }
    allStyles(node) {
      return Object.entries(node.styles).map(([k, v]) => `${k}: ${v}`).join('; ');
    }
    insertRules(node, rules) { node.children = [this.text(rules.join('\n'))]; }
    fontSize() { return 0; }
    fontFamily() { return ''; }
    // text MathJax's fonts lack is measured by the browser; here, at an average advance of 0.6 em a character (nodeSize is in em)
    nodeSize(node) { return [[...this.textContent(node)].length * 0.6, 1]; }
    nodeBBox() { return { left: 0, right: 0, top: 0, bottom: 0 }; }
  }
  return new Adaptor();
}

// The package list in force in Anki, less the two presentation-only packages (see the header).
function ankiPackages(allPackages) {
  const packages = ['require', ...allPackages];
  for (const added of ['noerrors', 'mathtools']) {
    if (!packages.includes(added)) packages.push(added);
  }
  const removed = new Set(['textmacros', 'noerrors', 'noundefined']);
  return [...new Set(packages)].filter((name) => !removed.has(name));
}

// Commands whose effect outlives the formula they are in; a formula using one gets a fresh
// input jax afterwards (so does one that changed a macro table some other way, see check()).
const STATEFUL = /\\(?:(?:re)?new(?:command|environment|tagform)|renewtagform|usetagform|[gex]?def|let|DeclareMathOperator|DeclarePaired\w*|require|setOptions|newcolumntype|mathtoolsset|definecolor|global)(?![A-Za-z])/;
const MACRO_TABLES = ['new-Macro', 'new-Command', 'new-Environment', 'new-Delimiter'];

function mmlErrorMessage(node) {
  // The first merror of an internal MathML tree (MathJax's error boxes), as its message.
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (!current) continue;
    if (typeof current.isKind === 'function' && current.isKind('merror')) {
      const attrs = current.attributes;
      const message = attrs && (attrs.get('data-mjx-error') || attrs.get('title'));
      if (message) return String(message);
      let text = '';
      current.walkTree((child) => {
        if (child.isToken) text += child.getText();
      });
      return text || 'Math error';
    }
    const children = current.childNodes || [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return null;
}

function messageOf(err) {
  if (err && typeof err.message === 'string') return err.message;
  return String(err);
}

class Checker {
  constructor(M) {
    this.M = M;
    this.mathjax = M._.mathjax.mathjax;
    this.STATE = M._.core.MathItem.STATE;
    this.adaptor = makeAdaptor(M);
    M._.handlers.html_ts.RegisterHTMLHandler(this.adaptor);
    this.packages = ankiPackages(M._.input.tex.AllPackages.AllPackages);
    this.output = new M._.output.chtml_ts.CHTML({ fontURL: 'about:blank' });
    this.preamble = '';
    this.build();
  }

  // A fresh input jax (and document), with the preamble's definitions in force.
  build() {
    const tex = new this.M._.input.tex_ts.TeX({
      packages: this.packages,
      formatError: (_jax, err) => {
        throw err;
      },
    });
    this.document = this.mathjax.document('', {
      InputJax: tex,
      OutputJax: this.output,
      compileError: (_doc, _math, err) => {
        throw err;
      },
      typesetError: (_doc, _math, err) => {
        throw err;
      },
    });
    this.tex = tex;
    this.preambleError = null;
    if (this.preamble) {
      this.preambleError = this.compile(this.preamble, false);
    }
    this.tables = this.tableSizes();
  }

  tableSizes() {
    const handlers = this.tex.parseOptions.handlers;
    return MACRO_TABLES.map((name) => {
      const table = handlers.retrieve(name);
      return table && table.map ? table.map.size : -1;
    }).join(',');
  }

  setPreamble(tex) {
    this.preamble = tex;
    this.build();
    return this.preambleError;
  }

  // A MathItem set up as MathDocument.convert() does, kept so that its MathML tree can be read.
  mathItem(tex, display) {
    const doc = this.document;
    const item = new doc.options.MathItem(tex, this.tex, display);
    item.start.node = this.adaptor.body(doc.document);
    item.setMetrics(16, 8, 80 * 8, 1000000, 1);
    return item;
  }

  // The input stage: MathJax's message, or null with this.item holding the compiled formula.
  async compileAsync(tex, display) {
    const item = this.mathItem(tex, display);
    this.item = item;
    try {
      // handleRetriesFor: a \require of a bundled package with preprocessors asks for a restart.
      await this.mathjax.handleRetriesFor(() => item.convert(this.document, this.STATE.COMPILED));
      return mmlErrorMessage(item.root);
    } catch (err) {
      return this.inputMessage(err);
    }
  }

  compile(tex, display) {
    // the preamble: synchronous, a \require there is not supported
    const item = this.mathItem(tex, display);
    try {
      item.convert(this.document, this.STATE.COMPILED);
      return mmlErrorMessage(item.root);
    } catch (err) {
      return this.inputMessage(err);
    }
  }

  inputMessage(err) {
    if (err && err.package) {
      // A \require of an extension that the tex-chtml-full bundle does not carry. The loader
      // remembers the failed package; forget it, so that the next \require of it fails too.
      this.M._.components.package.Package.packages.delete(err.package);
      return `Can't load "${err.package}": \\require of an extension MathJax does not have`;
    }
    if (err && err.retry) return 'Math input error: \\require is not supported here';
    if (err && err.id !== undefined && typeof err.message === 'string') return err.message; // a TexError
    return `Math input error: ${messageOf(err)}`;
  }

  width(item) {
    try {
      return Math.round(this.output.getBBox(item, this.document).w * 1000) / 1000;
    } catch {
      return null;
    }
  }

  async check(tex, display, level, measure) {
    let error = await this.compileAsync(tex, display);
    let width = null;
    const item = this.item;
    if (error === null && measure) {
      // The metrics alone; a few formulas (`\mathbb 1`) need the whole output built first. A width that
      // cannot be had is no error (the typeset level says whether the output can be built).
      width = this.width(item);
      if (width === null) {
        try {
          item.convert(this.document, this.STATE.LAST);
          width = this.width(item);
        } catch {
          width = null;
        }
      }
    }
    if (error === null && level === 'typeset') {
      // The output jax too: Anki shows "Math output error" when CHTML typesetting fails.
      try {
        item.convert(this.document, this.STATE.LAST);
      } catch (err) {
        error = `Math output error: ${messageOf(err)}`;
      }
    }
    if (STATEFUL.test(tex) || this.tableSizes() !== this.tables) {
      this.build();
    } else {
      this.tex.reset();
    }
    return { error, width };
  }
}

// A failed \require leaves rejected promises inside MathJax's loader that nobody awaits.
process.on('unhandledRejection', () => {});

async function main() {
  const bundle = process.argv[2];
  if (!bundle) fail(2, 'usage: node mathjax_check.mjs BUNDLE < requests');
  const checker = new Checker(loadBundle(bundle));
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let out = [];
  let pending = 0;
  const flush = () => {
    if (out.length) process.stdout.write(out.join(''));
    out = [];
  };
  for await (const line of lines) {
    if (!line.trim()) continue;
    let request;
    try {
      request = JSON.parse(line);
    } catch (err) {
      fail(2, `mathjax_check: request is not JSON: ${err.message}`);
    }
    if (request === null || typeof request !== 'object') fail(2, 'mathjax_check: request must be an object');
    if (typeof request.preamble === 'string') {
      out.push(`${JSON.stringify({ preamble: checker.setPreamble(request.preamble) })}\n`);
    } else if (typeof request.tex === 'string') {
      const level = request.level === 'typeset' ? 'typeset' : 'parse';
      const result = await checker.check(request.tex, Boolean(request.display), level, Boolean(request.measure));
      out.push(`${JSON.stringify(result)}\n`);
    } else {
      fail(2, 'mathjax_check: request must have "tex" or "preamble"');
    }
    // answer at once when the caller waits (nothing more buffered), in blocks otherwise
    pending += 1;
    if (pending >= 256 || lines.input.readableLength === 0) {
      flush();
      pending = 0;
    }
  }
  flush();
  codeCache.save();
}

main().catch((err) => fail(1, `mathjax_check: ${err && err.stack ? err.stack : err}`));
