/** Ports of the platform: objects, events, functions, signing. */

/** A domain event, as EventBridge delivers it (`detail-type`, `source`, `time`, `detail`). */
export interface DomainEvent {
  /**
   * The event's stable id (see `eventId`): the same on every send of this event, so a consumer
   * drops a repeat by it. Sinks deliver it as `detail.eventId` (PutEvents takes no client id).
   */
  id: string;
  detailType:
    | 'PartnerTierChanged'
    | 'RescoreCompleted'
    | 'WorklistItemOpened'
    | 'LeadOffered'
    | 'LeadAccepted'
    | 'LeadUnassigned';
  detail: Record<string, unknown>;
  time: string;
}

/** Where domain events go: EventBridge on AWS, an NDJSON file locally. */
export interface EventSink {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** The objects of the bucket (S3). */
export interface ObjectStore {
  /** Streams an object (from byte `start`), failing if its ETag is no longer `etag`. */
  read(
    bucket: string,
    key: string,
    options?: { start?: number; etag?: string },
  ): Promise<{ body: NodeJS.ReadableStream; size: number; etag: string }>;
  /** Streams `body` into an object (multipart for large bodies). */
  write(
    bucket: string,
    key: string,
    body: NodeJS.ReadableStream | string,
    contentType: string,
  ): Promise<void>;
  delete(bucket: string, keys: readonly string[]): Promise<void>;
  /** Keys, ETags and times of the objects under `prefix` in this store's bucket. */
  list(prefix: string): AsyncIterable<{ key: string; etag: string; lastModified: Date }>;
  presignPut(key: string, contentType: string, expiresInSeconds: number): Promise<string>;
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}

export interface InvokeOptions {
  /**
   * For a durable function: the execution's name (Lambda's `DurableExecutionName`). Invoking the
   * same name with the same payload again joins the existing execution instead of starting another.
   */
  executionName?: string;
}

/** Asynchronous invocation of another function (Lambda `InvocationType: 'Event'`). */
export interface FunctionInvoker {
  invokeAsync(functionName: string, payload: unknown, options?: InvokeOptions): Promise<void>;
}

/**
 * The files a run passes between its phases (S3 under `runs/<runId>/`, never durable checkpoints,
 * which hold 256 KB): snapshot parts, scored parts, page entries, outbox parts. Each file is written
 * once, whole (an S3 PUT is atomic), so a file that exists is complete and a re-run step reuses it.
 */
export interface RunFiles {
  put(key: string, body: Uint8Array): Promise<void>;
  /** The file, or `null` when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
}

/** Signs and checks cursor payloads (HMAC); the key never leaves the service. */
export interface CursorSigner {
  sign(data: string): Promise<string>;
  verify(data: string, tag: string): Promise<boolean>;
}
