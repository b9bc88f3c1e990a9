/// <reference lib="webworker" />
/**
 * The module worker behind `describeImage`: decoding a camera photo and drawing it small takes
 * tens of milliseconds that would otherwise stall typing. One request at a time per id.
 */
import { describeImageBlob } from './describe.ts';

export interface DescribeRequest {
  id: number;
  blob: Blob;
}
export interface DescribeAnswer {
  id: number;
  result: Awaited<ReturnType<typeof describeImageBlob>>;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = async (event: MessageEvent<DescribeRequest>) => {
  const { id, blob } = event.data;
  const result = await describeImageBlob(blob);
  scope.postMessage({ id, result } satisfies DescribeAnswer);
};
