/**
 * What the attachment checks read (#17, invariants-attachments.ts): the sends with files the harness
 * made (and the truth about each file: its bytes' sha256, made here), where the server says each
 * upload stands (asked as its uploader, by clientId, at the end), and what each device's engine gave
 * back for each attachment (`engine.media.blob`) at the end. Plain data, like check-input.ts.
 */
import type { FileSpec } from './files.ts';

export interface FileSent {
  /** The upload's clientId, from the local attachment id (`local:<clientId>`) the engine answered. */
  clientId: string | null;
  /** What the engine answered as the local attachment's id. */
  localId: string;
  name: string;
  kind: FileSpec['kind'];
  size: number;
  sha256: string;
  /** png: the image's size in pixels. */
  width?: number;
  height?: number;
}

/** A send with files that `send` resolved for (also in `accepted`, like any 1:1 send). */
export interface AttachmentSend {
  key: string;
  device: string;
  senderId: string;
  recipientId: string;
  conversationId: string;
  op: number;
  files: FileSent[];
}

/** `POST /api/attachments?clientId&name` with `Content-Range: bytes *\/size`, as the uploader, at the end. */
export interface UploadStatus {
  key: string;
  index: number;
  status: number;
  /** 200: the stored attachment's id. */
  attachmentId?: string;
  /** 202: where it stands. */
  offset?: number;
  error?: string;
}

/** One `engine.media.blob(attachment)` on one device at the end. */
export interface DownloadResult {
  device: string;
  key: string;
  attachmentId: string;
  sha256?: string;
  size?: number;
  error?: string;
}

export interface AttachmentInput {
  sends: AttachmentSend[];
  /** Absent while settling (asked once, at the end). */
  uploads?: UploadStatus[];
  downloads?: DownloadResult[];
}
