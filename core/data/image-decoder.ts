/**
 * Synchronous image decoding for datasets. Datasets hand out samples
 * synchronously and sharp (libvips) is asynchronous, so a worker thread
 * decodes while the calling thread waits on a shared flag. One decoder
 * serves every dataset that reads the user's image files.
 */
import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { DatasetError } from './dataset-api';
import type { DecodeRequest, DecodeResult } from '../io';

export type { DecodeRequest, DecodeResult };

type DecodeReply = { ok: true; results: DecodeResult[] } | { ok: false; error: string };

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const sharp = require(workerData.sharpPath);
const { port, signal } = workerData;
const flag = new Int32Array(signal);
async function handle(request) {
  if (request.op === 'meta') {
    return Promise.all(request.files.map(async (file) => {
      try {
        const meta = await sharp(file).metadata();
        if (!meta.width || !meta.height) return { error: 'no image size in the file' };
        return { width: meta.width, height: meta.height };
      } catch (error) { return { error: error.message }; }
    }));
  }
  return Promise.all(request.files.map(async (file) => {
    try {
      let image = sharp(file);
      if (request.crop) {
        const meta = await image.metadata();
        const half = Math.floor(meta.width / 2);
        image = image.extract({ left: request.crop === 'left' ? 0 : half, top: 0, width: half, height: meta.height });
      }
      const resize = request.kernel ? { fit: 'fill', kernel: request.kernel } : { fit: 'fill' };
      const { data, info } = await image
        .resize(request.width, request.height, resize)
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      if (info.channels === 3) return { data: new Uint8Array(data) };
      const rgb = new Uint8Array(info.width * info.height * 3);
      for (let i = 0; i < info.width * info.height; i++) {
        for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * info.channels + Math.min(c, info.channels - 1)];
      }
      return { data: rgb };
    } catch (error) { return { error: error.message }; }
  }));
}
port.on('message', async (request) => {
  let reply;
  try { reply = { ok: true, results: await handle(request) }; } catch (error) { reply = { ok: false, error: String(error && error.message || error) }; }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

class SyncImageDecoder {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;

  constructor() {
    let sharpPath: string;
    try {
      sharpPath = createRequire(import.meta.url).resolve('sharp');
    } catch {
      throw new DatasetError('the image library sharp is not installed; run `npm install` in the Tensorweave folder');
    }
    const channel = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.flag = new Int32Array(signal);
    this.port = channel.port1;
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sharpPath, port: channel.port2, signal }, transferList: [channel.port2] });
    // Decoding never keeps the process alive on its own.
    this.worker.unref();
    this.port.unref();
  }

  request(request: DecodeRequest): DecodeResult[] {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    for (;;) {
      Atomics.wait(this.flag, 0, 0, 1000);
      const received = receiveMessageOnPort(this.port);
      if (received) {
        const reply = received.message as DecodeReply;
        if (!reply.ok) throw new DatasetError(`image decoding failed: ${reply.error}`);
        return reply.results;
      }
      if (this.worker.threadId < 0) throw new DatasetError('the image decoding thread stopped unexpectedly');
    }
  }
}

let decoder: SyncImageDecoder | undefined;

export function imageDecoder(): SyncImageDecoder {
  decoder ??= new SyncImageDecoder();
  return decoder;
}
