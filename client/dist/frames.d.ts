/** A recovery-protocol frame as parsed, every field unchecked. */
export type Frame = {
    control?: unknown;
    recovered?: unknown;
    position?: unknown;
    reason?: unknown;
    event?: unknown;
};
/** A recovery-protocol frame, checked. */
export type RecoveryFrame = {
    kind: "control";
    recovered: boolean;
    position?: string;
    reason?: string;
} | {
    kind: "event";
    event: object;
    position?: string;
    raw: string;
} | {
    kind: "unknown";
};
/** A WebSocket message's data as text (browsers give strings, `ws` may give bytes). */
export declare function messageText(data: unknown): string;
/** Whether a parsed frame is a recovery control (the verdict, or a later one). */
export declare function isRecoveryControl(frame: unknown): boolean;
/** Checks a parsed recovery-protocol frame; `text` is the frame as received. */
export declare function readRecoveryFrame(frame: unknown, text: string): RecoveryFrame;
