import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The public surface of each entry point, exactly: a name added to or dropped from an
// entry is a change of the package's contract, made here on purpose or not at all.

/** What `import("negotiation-state")` has at run time. */
const MAIN_VALUES = [
  "CampaignCPMTracker",
  "CampaignSchema",
  "CampaignValidationError",
  "ContextSerializationError",
  "CorruptDatabaseError",
  "DatabaseLockedError",
  "ForeignWriteError",
  "InvalidHistoryError",
  "InvalidTransitionError",
  "MAX_CONTEXT_DEPTH",
  "MAX_JOURNAL_PAYLOAD_BYTES",
  "NEGOTIATION_STATE_DDL",
  "NegotiationError",
  "NegotiationEvent",
  "NegotiationState",
  "NegotiationStateMachine",
  "NegotiationStateStore",
  "PendingSqliteJournalError",
  "RestoreError",
  "RowTooLargeError",
  "SqlJsAdapter",
  "StorageError",
  "TERMINAL_STATES",
  "TRANSITIONS",
  "TransactionConflictError",
  "ValidationError",
  "WebLocksUnavailableError",
  "WriterChangedError",
  "deserializeCampaign",
  "deserializeContext",
  "deserializeCpmTracker",
  "formatMoney",
  "historyProblems",
  "initNegotiationStateTable",
  "isNegotiationError",
  "isNegotiationEvent",
  "isNegotiationState",
  "memoryPersistence",
  "openNegotiationStore",
  "openSqlJsAdapter",
  "parseCampaign",
  "serializeCampaign",
  "serializeContext",
  "serializeCpmTracker",
  "toMoney",
];

/** What the main entry's declarations export as types only (no value of that name). */
const MAIN_TYPES = [
  "Campaign",
  "CampaignIssue",
  "CpmAgreement",
  "CpmAgreementDict",
  "CpmTrackerDict",
  "Flexibility",
  "HistoryProblem",
  "JournalEntry",
  "JournalStatement",
  "MoneyInput",
  "NegotiationChange",
  "NegotiationChangeListener",
  "NegotiationErrorCode",
  "NegotiationInput",
  "NegotiationSnapshot",
  "NegotiationStateOperations",
  "NegotiationStateRow",
  "NegotiationStateStoreOptions",
  "NegotiationUpdate",
  "OpenNegotiationStoreOptions",
  "Persistence",
  "RestoredNegotiation",
  "RowFailure",
  "SharedPlace",
  "SqlExecutor",
  "SqlJsAdapterOptions",
  "SqlJsConfig",
  "SqlJsDatabase",
  "SqlJsEngine",
  "SqlJsStatement",
  "SqlRow",
  "SqlRunResult",
  "SqlValue",
  "StorageAdapter",
  "StoredDatabase",
  "StoredValue",
  "TransitionRecord",
  "TransitionTable",
  "UsageRightDuration",
  "UsageRightTerms",
];

const ENTRIES = [
  { specifier: "negotiation-state", values: MAIN_VALUES, types: MAIN_TYPES },
  {
    specifier: "negotiation-state/file",
    values: ["filePersistence"],
    types: ["FilePersistenceOptions"],
  },
  {
    specifier: "negotiation-state/indexeddb",
    values: ["indexedDbPersistence"],
    types: ["IndexedDbPersistenceOptions"],
  },
  {
    specifier: "negotiation-state/postgres",
    values: [
      "MAX_POSTGRES_KEY_BYTES",
      "POSTGRES_NEGOTIATION_STATE_DDL",
      "PostgresAdapter",
      "initPostgresNegotiationStateTable",
      "openPostgresStore",
      "postgresAdapter",
    ],
    types: [
      "OpenPostgresStoreOptions",
      "PostgresAdapterOptions",
      "PostgresClient",
      "PostgresConnection",
      "PostgresErrorListener",
      "PostgresPool",
      "PostgresQuery",
      "PostgresResult",
    ],
  },
];

/** Names that the package's own modules use and no user may depend on. */
const INTERNAL_NAMES = [
  "copyCampaign",
  "CHECKPOINT_TABLE",
  "restoreNegotiationRows",
  "isBigLike",
  "loadSqlJs",
  "TABLE",
  "FileSystem",
  "SqlJsStatic",
  "CampaignInput",
];

const requireBuilt = createRequire(import.meta.url);

describe("the public surface of the built package", () => {
  for (const { specifier, values, types } of ENTRIES) {
    describe(specifier, () => {
      it("has exactly the listed runtime exports, in ESM and in CJS", async () => {
        // Resolved at run time through the exports map, to dist/ (not to src/).
        const esm = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
        expect(Object.keys(esm).sort()).toEqual([...values].sort());
        expect(Object.keys(requireBuilt(specifier)).sort()).toEqual([...values].sort());
      });

      for (const mode of [ts.ModuleKind.ESNext, ts.ModuleKind.CommonJS] as const) {
        const condition = mode === ts.ModuleKind.ESNext ? "import" : "require";
        it(`declares exactly the listed names, and the listed ones as types only, for ${condition}`, () => {
          const exports = declaredExports(specifier, mode);
          expect(exports.file).toMatch(/[\\/]dist[\\/][\w.-]+\.d\.c?ts$/);
          expect(exports.names).toEqual([...values, ...types].sort());
          expect(exports.typeOnly).toEqual([...types].sort());
        });
      }
    });
  }

  it("exports none of the names the package keeps to itself", async () => {
    const internal = [...INTERNAL_NAMES, ...namesMarkedInternal()];
    expect(namesMarkedInternal()).toContain("copyCampaign");
    for (const { specifier } of ENTRIES) {
      const declared = declaredExports(specifier, ts.ModuleKind.ESNext).names;
      const runtime = Object.keys(await import(/* @vite-ignore */ specifier));
      for (const name of internal) {
        expect(declared, `${specifier} declares ${name}`).not.toContain(name);
        expect(runtime, `${specifier} exports ${name}`).not.toContain(name);
      }
    }
  });
});

interface DeclaredExports {
  /** The declaration file the specifier resolves to. */
  readonly file: string;
  /** Every exported name, sorted. */
  readonly names: string[];
  /** The exported names that have no value, sorted. */
  readonly typeOnly: string[];
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
};

/**
 * The declaration file a consumer's TypeScript reads for `specifier`: resolved through the
 * exports map, the `types` of its `import` or `require` condition.
 */
function declarationFile(specifier: string, mode: ts.ResolutionMode): string {
  const resolved = ts.resolveModuleName(
    specifier,
    resolve("test/public-surface.test.ts"),
    COMPILER_OPTIONS,
    ts.sys,
    undefined,
    undefined,
    mode,
  ).resolvedModule;
  if (resolved === undefined || !/\.d\.c?ts$/.test(resolved.resolvedFileName)) {
    throw new Error(
      `TypeScript resolves ${specifier} to ${resolved?.resolvedFileName}, not to declarations`,
    );
  }
  return resolved.resolvedFileName;
}

let declarations: ts.Program | undefined;

/** What a consumer's TypeScript sees exported by `specifier` (one program for every entry). */
function declaredExports(specifier: string, mode: ts.ResolutionMode): DeclaredExports {
  const file = declarationFile(specifier, mode);
  declarations ??= ts.createProgram(
    ENTRIES.flatMap((entry) =>
      [ts.ModuleKind.ESNext, ts.ModuleKind.CommonJS].map((each) =>
        declarationFile(entry.specifier, each as ts.ResolutionMode),
      ),
    ),
    COMPILER_OPTIONS,
  );
  const program = declarations;
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${file} is not a module`);
  const exported = checker.getExportsOfModule(moduleSymbol);
  const hasValue = (symbol: ts.Symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return (target.flags & ts.SymbolFlags.Value) !== 0;
  };
  return {
    file,
    names: exported.map((symbol) => symbol.name).sort(),
    typeOnly: exported
      .filter((symbol) => !hasValue(symbol))
      .map((symbol) => symbol.name)
      .sort(),
  };
}

/** Every exported declaration of src/ (the command line aside) tagged `@internal`. */
function namesMarkedInternal(): string[] {
  const names: string[] = [];
  for (const file of sourceFiles("src")) {
    const source = ts.createSourceFile(
      file,
      ts.sys.readFile(file) ?? "",
      ts.ScriptTarget.Latest,
      true,
    );
    for (const statement of source.statements) {
      const exported = ts.canHaveModifiers(statement)
        ? ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
        : false;
      if (!exported || !ts.getJSDocTags(statement).some((tag) => tag.tagName.text === "internal")) {
        continue;
      }
      const declarations = ts.isVariableStatement(statement)
        ? statement.declarationList.declarations
        : [statement];
      for (const declaration of declarations) {
        const name = (declaration as { name?: ts.Node }).name;
        if (name && ts.isIdentifier(name)) names.push(name.text);
      }
    }
  }
  return names;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return path === join("src", "cli") ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}
