import { extname } from 'node:path'

/** What the bytes of a received file showed. */
export interface FileSample {
  head: Buffer
  /** Every byte is UTF-8 with no control character but tab, line breaks and form feed. */
  isText: boolean
}

// The WHATWG sniffing algorithm's HTML openers: a browser told nothing else renders these as a page.
const HTML_START = /^(<!doctype html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a|<style|<title|<b|<body|<br|<p|<!--)[\s>]/i

/** A file's content type from its bytes; markup a browser would run is named as such (README, "Uploads"). */
export async function detectContentType (sample: FileSample, filename: string, declaredType: string): Promise<string> {
  // Loaded on the first upload, not at start-up (README, "Boot").
  const { fileTypeFromBuffer } = await import('file-type')
  const detected = await fileTypeFromBuffer(sample.head)
  if (detected !== undefined) return detected.mime
  if (!sample.isText) return 'application/octet-stream'
  const start = sample.head.toString('utf8', 0, 1024).replace(/^\uFEFF/, '').trimStart()
  if (/^<svg[\s>]/i.test(start) || (/^<\?xml/i.test(start) && /<svg[\s>]/i.test(start))) return 'image/svg+xml'
  if (/^<\?xml/i.test(start)) return 'application/xml'
  if (HTML_START.test(start)) return 'text/html'
  const extension = extname(filename).toLowerCase()
  const declared = declaredType.split(';', 1)[0]?.trim().toLowerCase()
  if ((extension === '.json' || declared === 'application/json') && /^[[{"]/.test(start)) return 'application/json'
  if (extension === '.csv' || declared === 'text/csv') return 'text/csv'
  return 'text/plain'
}

// Types a browser shows without running anything; every other type is served as a download.
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain', 'text/csv', 'application/json'])

export function dispositionOf (contentType: string): 'inline' | 'attachment' {
  return INLINE_TYPES.has(contentType) ? 'inline' : 'attachment'
}

const MAX_FILENAME_LENGTH = 255

/** The client's file name as metadata, never used as a path: its last segment, without control characters. */
export function safeFilename (name: string | undefined): string {
  const lastSegment = (name ?? '').split(/[/\\]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex
  const cleaned = lastSegment.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim()
  const safe = cleaned === '.' || cleaned === '..' ? '' : [...cleaned].slice(0, MAX_FILENAME_LENGTH).join('')
  return safe === '' ? 'file' : safe
}

/** The plain `filename` of `Content-Disposition`, in ASCII; the full name goes in `filename*` (RFC 6266). */
export function asciiFilename (name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\x20-\x7e]/g, '?')
}
