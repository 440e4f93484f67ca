/** Public shapes of the fake Discord: what tests read back after driving a real discord.js client. */

export interface FakeDiscordOptions {
  botUserId?: string;
  applicationId?: string;
  guildId?: string;
  channelId?: string;
}

/** A file the bot attached to a message: its name and its exact bytes. */
export interface FakeAttachment {
  filename: string;
  bytes: Buffer;
}

/** A message the bot created (channel message, interaction reply or follow-up); edits update it in place. */
export interface FakeMessage {
  id: string;
  channelId: string;
  content: string;
  embeds: unknown[];
  attachments: FakeAttachment[];
  /** The interaction this message answers (the @original reply or a follow-up). */
  interactionId?: string;
  ephemeral: boolean;
  components: unknown[];
  /** Set once the bot deleted the message (it stays in `messages`). */
  deleted?: true;
}

/** The user behind an interaction or a reaction. */
export interface FakeUser {
  id: string;
  username?: string;
  bot?: boolean;
}

export interface FakeReaction {
  messageId: string;
  emoji: string;
  userId: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  status: number;
}
