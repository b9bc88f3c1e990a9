/** Public limits of the contract (docs/api.md, "Limits"). Changing one is an API change. */
export const LIMITS = {
  bodyMinChars: 1,
  bodyMaxChars: 4096,
  clientIdMin: 8,
  clientIdMax: 64,
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  /** Upper bound for passwords so a huge string cannot make scrypt burn CPU. */
  passwordMax: 256,
  displayNameMax: 64,
  /** Profile "about" line (extension, #19 item 12), code points after trimming; '' clears it. */
  aboutMax: 140,
  historyPageDefault: 50,
  historyPageMax: 200,
  syncPageDefault: 500,
  syncPageMax: 1000,
  receiptIdsMax: 1000,
  userSearchMax: 20,
  /** Shortest directory search query, in characters. */
  userSearchMinChars: 2,
  /** HTTP request bodies; a 4,096-character message in UTF-8 plus JSON overhead fits comfortably. */
  httpBodyMaxBytes: 64 * 1024,
  /** Socket.io frames (maxHttpBufferSize). */
  socketFrameMaxBytes: 64 * 1024,
  /** Default sends per user per window; SEND_RATE_LIMIT overrides, 0 disables. */
  sendRateDefault: 100,
  sendRateWindowMs: 10_000,
  typingTtlMs: 5_000,
  /** Group title, characters after trimming (contract v2). */
  groupTitleMax: 100,
  /** Members of a group, the creator included (contract v2): at least 2, at most this. */
  groupMembersMax: 256,
  /** Message actions (contract v2): an edit is accepted within this long of the message's createdAt, by server time. */
  editWindowMs: 15 * 60_000,
  /** Delete for everyone is accepted within this long of createdAt, by server time. */
  deleteWindowMs: 48 * 3_600_000,
  /** A reaction: at most this many code points (contract: 16 characters); '' removes one's reaction. */
  emojiMaxChars: 16,
  /** The quoted text a reply carries (`replyTo.preview`): the original's body cut to this many code points. */
  replyPreviewMaxChars: 120,
  /** Attachments (contract v2): the largest upload in bytes, unless ATTACHMENT_MAX_BYTES says otherwise (16 MiB). */
  attachmentMaxBytesDefault: 16 * 1024 * 1024,
  /** Attachments one message may carry (contract: 1–10). */
  attachmentsPerMessageMax: 10,
  /** An attachment's file name, code points after trimming. */
  attachmentNameMaxChars: 255,
  /** `preview` (extension): a ThumbHash in base64url, at most this many characters (a ThumbHash is ≤ 25 bytes ≈ 34). */
  attachmentPreviewMaxChars: 64,
  /** Web Push (contract v2): an endpoint URL's length. */
  pushEndpointMaxChars: 2048,
  /** Push subscriptions one user may hold (devices × browsers); the oldest is replaced past it. */
  pushSubscriptionsPerUserMax: 20,
  /** The message text a push carries, code points (the notification shows a line or two). */
  pushPreviewMaxChars: 200,
  /** Message search (contract v2): the query, characters after trimming. */
  searchQueryMaxChars: 200,
  /** Words of a query that count (the rest are ignored). */
  searchTermsMax: 8,
  searchResultsDefault: 20,
  searchResultsMax: 50,
} as const;
