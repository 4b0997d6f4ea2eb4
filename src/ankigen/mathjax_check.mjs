// Typeset formulas with the MathJax that Anki uses (3.2.2, TeX input configured like Anki's
// tex-chtml-full setup) and report the first error of each one.
//
// Usage: node mathjax_check.mjs DIR < request.json > response.json
//   DIR       a folder from which `mathjax-full` is resolved the way Node resolves packages
//             (DIR/node_modules/mathjax-full, then the parents' node_modules folders).
//   request   {"formulas": [{"tex": "...", "display": true|false}, ...]}
//   response  {"results": [null | "MathJax message", ...]}   (input order)
//
// Exit status: 0 with a response on stdout; 2 for a bad request; 3 when mathjax-full cannot be
// loaded. Diagnostics go to stderr, whose last line says what went wrong.
//
// How this matches Anki (ts/mathjax/index.ts in Anki's source): Anki loads MathJax's
// `tex-chtml-full` component with tex.packages {"[+]": ["noerrors", "mathtools", ...],
// "[-]": ["textmacros"]}. tex-chtml-full's package list is ["require", ...AllPackages], so the
// packages in force are `require` plus every package of AllPackages except `textmacros`
// (mathtools, noerrors and html are in AllPackages already). The remaining TeX options are
// MathJax's defaults (Anki sets only the delimiters and the process* options, which concern
// finding math in a page, not parsing it). Every [tex]/* extension is preloaded, as the
// tex-chtml-full bundle does, so `\require{physics}` works as in Anki while a `\require` of
// anything else fails without fetching anything.
//
// Two deliberate differences in *presentation* only, so that MathJax's own message reaches us:
//   - noerrors (Anki shows the raw TeX on a red/yellow box, the message only as a tooltip) is
//     replaced by a formatError that throws the TexError with its message;
//   - noundefined (Anki shows an undefined `\foo` as red text "\foo") is left out, so base's
//     "Undefined control sequence \foo" is raised instead.
// Each formula is checked on its own: macros defined with \newcommand/\def/..., labels and
// \require-d packages do not carry over from one formula to the next.

import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

// Nothing but the JSON response may reach stdout (MathJax's loader logs failures with console.log).
console.log = (...args) => console.error(...args);
console.info = console.log;
console.warn = (...args) => console.error(...args);

function fail(code, message) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseRequest(text) {
  let request;
  try {
    request = JSON.parse(text);
  } catch (err) {
    fail(2, `mathjax_check: request is not JSON: ${err.message}`);
  }
  if (request === null || typeof request !== 'object' || !Array.isArray(request.formulas)) {
    fail(2, 'mathjax_check: request must be {"formulas": [...]}');
  }
  return request.formulas.map((item, i) => {
    if (item === null || typeof item !== 'object' || typeof item.tex !== 'string') {
      fail(2, `mathjax_check: formulas[${i}] must be {"tex": string, "display": boolean}`);
    }
    return { tex: item.tex, display: Boolean(item.display) };
  });
}

function loadMathJax(dir) {
  // Loader settings must exist before any MathJax module is evaluated: MathJax.config.loader is
  // read when components/loader.js loads. `require` makes a \require of a package that is not
  // bundled fail at once instead of trying to fetch a script.
  globalThis.MathJax = {
    loader: {
      failed: () => {},
      require: (file) => {
        throw new Error(`Can't load "${file}"`);
      },
      versionWarnings: false,
    },
  };
  const req = createRequire(path.join(path.resolve(dir), 'package.json'));
  let version;
  try {
    version = req('mathjax-full/package.json').version;
  } catch (err) {
    fail(3, `mathjax-full not installed (looked from ${dir}): ${err.message.split('\n')[0]}`);
  }
  try {
    const { mathjax } = req('mathjax-full/js/mathjax.js');
    const { Loader } = req('mathjax-full/js/components/loader.js');
    const { TeX } = req('mathjax-full/js/input/tex.js');
    const { CHTML } = req('mathjax-full/js/output/chtml.js');
    const { liteAdaptor } = req('mathjax-full/js/adaptors/liteAdaptor.js');
    const { RegisterHTMLHandler } = req('mathjax-full/js/handlers/html.js');
    const { AllPackages } = req('mathjax-full/js/input/tex/AllPackages.js');
    req('mathjax-full/js/input/tex/require/RequireConfiguration.js');
    req('mathjax-full/js/input/tex/autoload/AutoloadConfiguration.js');
    const { STATE } = req('mathjax-full/js/core/MathItem.js');
    return { version, mathjax, Loader, TeX, CHTML, liteAdaptor, RegisterHTMLHandler, AllPackages, STATE };
  } catch (err) {
    fail(3, `mathjax-full ${version} could not be loaded: ${err.message.split('\n')[0]}`);
  }
  return undefined;
}

// Every TeX extension that the tex-chtml-full bundle carries and preloads (AllPackages.ts plus
// the all-packages component), so that \require finds them loaded, as in Anki.
const BUNDLED_EXTENSIONS = [
  'action', 'ams', 'amscd', 'autoload', 'bbox', 'boldsymbol', 'braket', 'bussproofs', 'cancel',
  'cases', 'centernot', 'color', 'colortbl', 'colorv2', 'configmacros', 'empheq', 'enclose',
  'extpfeil', 'gensymb', 'html', 'mathtools', 'mhchem', 'newcommand', 'noerrors', 'noundefined',
  'physics', 'require', 'setoptions', 'tagformat', 'textcomp', 'textmacros', 'unicode', 'upgreek',
  'verb',
];

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
// input jax afterwards, so that every formula is checked on its own.
const STATEFUL = /\\(?:(?:re)?new(?:command|environment|tagform)|renewtagform|usetagform|[gex]?def|let|DeclareMathOperator|DeclarePaired\w*|require|setOptions|newcolumntype|mathtoolsset|definecolor)(?![A-Za-z])/;

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
      const text = typeof current.walkTree === 'function' ? textOf(current) : '';
      return text || 'Math error';
    }
    const children = current.childNodes || [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return null;
}

function textOf(node) {
  let text = '';
  node.walkTree((child) => {
    if (child.isToken) text += child.getText();
  });
  return text;
}

class Checker {
  constructor(mj) {
    this.mj = mj;
    mj.Loader.preLoad('core', 'startup', 'input/tex-base', 'input/tex-full', 'output/chtml',
      'output/chtml/fonts/tex', '[tex]/all-packages',
      ...BUNDLED_EXTENSIONS.map((name) => `[tex]/${name}`));
    this.adaptor = mj.liteAdaptor();
    mj.RegisterHTMLHandler(this.adaptor);
    this.packages = ankiPackages(mj.AllPackages);
    this.output = new mj.CHTML({ fontURL: 'about:blank' });
    this.build();
  }

  build() {
    const tex = new this.mj.TeX({
      packages: this.packages,
      formatError: (_jax, err) => {
        throw err;
      },
    });
    this.document = this.mj.mathjax.document('', {
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
  }

  // A MathItem set up as MathDocument.convert() does, kept so that its MathML tree can be read.
  mathItem(tex, display) {
    const doc = this.document;
    const item = new doc.options.MathItem(tex, this.tex, display);
    item.start.node = this.adaptor.body(doc.document);
    item.setMetrics(16, 8, 80 * 8, 1000000, 1);
    return item;
  }

  async check(tex, display) {
    const { mathjax, STATE } = this.mj;
    let result = null;
    const item = this.mathItem(tex, display);
    try {
      // handleRetriesFor: a \require of a bundled package with preprocessors asks for a restart.
      await mathjax.handleRetriesFor(() => item.convert(this.document, STATE.COMPILED));
      result = mmlErrorMessage(item.root);
    } catch (err) {
      if (err && err.package) {
        // A \require of an extension that the tex-chtml-full bundle does not carry.
        result = `Can't load "${err.package}": \\require of an extension MathJax does not have`;
      } else if (err && err.id !== undefined && typeof err.message === 'string') {
        result = err.message; // a TexError: MathJax's own message
      } else {
        result = `Math input error: ${messageOf(err)}`;
      }
    }
    if (result === null) {
      // The output jax too: Anki shows "Math output error" when CHTML typesetting fails.
      try {
        item.convert(this.document, STATE.LAST);
      } catch (err) {
        result = `Math output error: ${messageOf(err)}`;
      }
    }
    if (STATEFUL.test(tex)) {
      this.build();
    } else {
      this.tex.reset();
    }
    return result;
  }
}

function messageOf(err) {
  if (err && typeof err.message === 'string') return err.message;
  return String(err);
}

// A failed \require leaves rejected promises inside MathJax's loader that nobody awaits.
process.on('unhandledRejection', () => {});

async function main() {
  const dir = process.argv[2];
  if (!dir) fail(2, 'usage: node mathjax_check.mjs DIR < request.json');
  const formulas = parseRequest(await readStdin());
  const checker = new Checker(loadMathJax(dir));
  const results = [];
  for (const { tex, display } of formulas) {
    results.push(await checker.check(tex, display));
  }
  process.stdout.write(`${JSON.stringify({ results })}\n`);
}

main().catch((err) => fail(1, `mathjax_check: ${err && err.stack ? err.stack : err}`));
