import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { serveFile } from "./static-server.js";

/** A served folder that takes reports; see {@link serveWithReports}. */
export interface ReportServer {
  /** `http://127.0.0.1:<port>`: loopback, so a secure context with Web Locks. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves `folder` on a free loopback port, and hands every JSON body POSTed to `/report` to
 * `onReport` before answering 204: a page that has its answer knows the report was taken.
 * A body that is not JSON is answered 400.
 *
 * @param folder - The built page.
 * @param onReport - Called with each report, parsed, in the order they arrive.
 */
export async function serveWithReports(
  folder: string,
  onReport: (report: unknown) => void,
): Promise<ReportServer> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    if (request.method === "POST" && path === "/report") {
      let report: unknown;
      try {
        report = JSON.parse(await readBody(request));
      } catch {
        response.writeHead(400).end();
        return;
      }
      onReport(report);
      response.writeHead(204).end();
      return;
    }
    await serveFile(folder, request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
