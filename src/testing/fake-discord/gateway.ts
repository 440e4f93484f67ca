/** The gateway WebSocket: HELLO, IDENTIFY → READY + GUILD_CREATE, RESUME → RESUMED, heartbeats, dispatches. */

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from 'discord-api-types/v10';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { FakeState } from './state.js';

/** Short, so a client's first (jittered) heartbeat and its acks happen within a test. */
export const HEARTBEAT_INTERVAL_MS = 1000;

interface Session {
  id: string;
  seq: number;
  intents: number;
  socket: WebSocket | undefined;
}

interface Pending {
  t: string;
  d: unknown;
  intent: number | undefined;
}

/** A client socket that closed: the close code and reason from the close frame (1006 when none came). */
export interface GatewayClose {
  code: number;
  reason: string;
}

export class FakeGateway {
  identifies = 0;
  resumes = 0;
  /** Every client socket that closed, in order; a client that shuts down cleanly closes with 1000. */
  readonly closes: GatewayClose[] = [];
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, Session>();
  private readonly bySocket = new Map<WebSocket, Session | undefined>();
  /** Dispatches made while no client was connected: delivered once one identifies or resumes. */
  private pending: Pending[] = [];
  private readyListeners: Array<() => void> = [];

  constructor(
    server: Server,
    private readonly state: FakeState,
  ) {
    this.wss = new WebSocketServer({ server });
    this.wss.on('connection', (socket) => this.onConnection(socket));
  }

  /** ws://127.0.0.1:PORT, what GET /gateway/bot and READY's resume_gateway_url announce. */
  url(): string {
    return this.state.origin.replace(/^http/, 'ws');
  }

  hasLiveSession(): boolean {
    return [...this.sessions.values()].some((s) => s.socket !== undefined);
  }

  /** Resolves the next time a client identifies or resumes (immediately when one already is connected, if `orNow`). */
  nextReady(orNow: boolean): Promise<void> {
    if (orNow && this.hasLiveSession()) return Promise.resolve();
    return new Promise((resolve) => this.readyListeners.push(resolve));
  }

  /**
   * Sends an op 0 dispatch to every live session (that asked for `intent`, if given), each with its own
   * increasing `s`. With no live session the event waits for the next one. Returns whether it went out now.
   */
  dispatch(t: string, d: unknown, intent?: number): boolean {
    const live = [...this.sessions.values()].filter((s) => s.socket !== undefined);
    if (live.length === 0) {
      this.pending.push({ t, d, intent });
      return false;
    }
    for (const session of live) {
      if (intent === undefined || (session.intents & intent) !== 0) this.sendDispatch(session, t, d);
    }
    return true;
  }

  /** Closes every client socket with `code` (4000: unknown error, which discord.js answers by resuming). */
  closeAll(code: number): void {
    for (const [socket, session] of this.bySocket) {
      // Detach now: events dispatched during the close handshake wait for the resumed session.
      if (session?.socket === socket) session.socket = undefined;
      socket.close(code, 'fake-discord closed the gateway');
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.bySocket.keys()) socket.terminate();
    this.bySocket.clear();
    this.readyListeners = [];
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private send(socket: WebSocket, payload: { op: number; d: unknown; s?: number | null; t?: string | null }): void {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ s: null, t: null, ...payload }));
  }

  private sendDispatch(session: Session, t: string, d: unknown): void {
    if (!session.socket) return;
    session.seq += 1;
    this.send(session.socket, { op: GatewayOpcodes.Dispatch, t, s: session.seq, d });
  }

  private onConnection(socket: WebSocket): void {
    this.bySocket.set(socket, undefined);
    socket.on('message', (data) => this.onMessage(socket, data));
    socket.on('close', (code, reason) => {
      this.closes.push({ code, reason: reason.toString() });
      const session = this.bySocket.get(socket);
      if (session?.socket === socket) session.socket = undefined;
      this.bySocket.delete(socket);
    });
    socket.on('error', () => socket.terminate());
    this.send(socket, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: HEARTBEAT_INTERVAL_MS } });
  }

  private onMessage(socket: WebSocket, data: RawData): void {
    let payload: { op?: number; d?: Record<string, unknown> | number | null };
    try {
      payload = JSON.parse(data.toString());
    } catch {
      socket.close(GatewayCloseCodes.DecodeError, 'Error while decoding payload.');
      return;
    }
    const d = typeof payload.d === 'object' && payload.d !== null ? payload.d : {};
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        this.send(socket, { op: GatewayOpcodes.HeartbeatAck, d: null });
        return;
      case GatewayOpcodes.Identify:
        this.identify(socket, d);
        return;
      case GatewayOpcodes.Resume:
        this.resume(socket, d);
        return;
      case GatewayOpcodes.RequestGuildMembers:
        this.memberChunk(socket, d);
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
        return;
      default:
        socket.close(GatewayCloseCodes.UnknownOpcode, 'Unknown opcode.');
    }
  }

  private authenticate(socket: WebSocket, d: Record<string, unknown>): boolean {
    if (this.bySocket.get(socket)) {
      socket.close(GatewayCloseCodes.AlreadyAuthenticated, 'Already authenticated.');
      return false;
    }
    if (d.token !== this.state.token) {
      socket.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return false;
    }
    return true;
  }

  private identify(socket: WebSocket, d: Record<string, unknown>): void {
    if (!this.authenticate(socket, d)) return;
    const session: Session = { id: randomBytes(16).toString('hex'), seq: 0, intents: Number(d.intents ?? 0), socket };
    this.sessions.set(session.id, session);
    this.bySocket.set(socket, session);
    this.identifies += 1;
    const { state } = this;
    this.sendDispatch(session, GatewayDispatchEvents.Ready, {
      v: 10,
      user: state.botUser(),
      guilds: [{ id: state.ids.guildId, unavailable: true }],
      session_id: session.id,
      resume_gateway_url: this.url(),
      shard: [0, 1],
      application: { id: state.ids.applicationId, flags: 0 },
      user_settings: {},
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
    });
    this.sendDispatch(session, GatewayDispatchEvents.GuildCreate, state.guild(true));
    this.becameLive();
  }

  private resume(socket: WebSocket, d: Record<string, unknown>): void {
    if (!this.authenticate(socket, d)) return;
    const session = this.sessions.get(String(d.session_id ?? ''));
    if (!session) {
      this.send(socket, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    if (session.socket && session.socket !== socket) session.socket.terminate();
    session.socket = socket;
    this.bySocket.set(socket, session);
    this.resumes += 1;
    this.sendDispatch(session, GatewayDispatchEvents.Resumed, {});
    this.becameLive();
  }

  private memberChunk(socket: WebSocket, d: Record<string, unknown>): void {
    const session = this.bySocket.get(socket);
    if (!session) return;
    const members = [...this.state.users.values()].map((user) => this.state.member(user));
    this.sendDispatch(session, GatewayDispatchEvents.GuildMembersChunk, {
      guild_id: this.state.ids.guildId,
      members,
      chunk_index: 0,
      chunk_count: 1,
      not_found: [],
      ...(typeof d.nonce === 'string' ? { nonce: d.nonce } : {}),
    });
  }

  private becameLive(): void {
    const pending = this.pending;
    this.pending = [];
    for (const event of pending) this.dispatch(event.t, event.d, event.intent);
    const listeners = this.readyListeners;
    this.readyListeners = [];
    for (const listener of listeners) listener();
  }
}
