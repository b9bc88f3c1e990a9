import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * Answers sent before the request body has fully arrived (413 from the body limit, 401 or
 * 429 before the body is read, 404 on a POST) close the connection afterwards.
 *
 * Without this the unread rest of the body stays in the keep-alive connection: the body
 * limit cancels the body stream, Node destroys the socket under the client's feet, and
 * the client's next request on that "kept alive" connection fails with a socket error.
 * Draining would make the server read megabytes it already refused, so it closes
 * instead (what nginx does): `Connection: close` on the response, and the client opens a
 * new connection for its next request.
 */
export function closeUnreadRequests(listener: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
      if (!req.complete && hasBody(req)) res.shouldKeepAlive = false;
      return writeHead.apply(this, args);
    } as ServerResponse['writeHead'];
    return listener(req, res);
  };
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}
