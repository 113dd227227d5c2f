import type { Bridge } from '../../core/bridge';
import { Emitter, type Subscription } from '../../core/emitter';
import type { KeyChangeEvent, RequestSummary } from '../../core/status';

/**
 * The host's events, fed by whichever bridge the window holds. Every window hears of its bridge's key changes
 * and requests; only the serving one passes them on, so one window tells the user.
 */
export class ServedEvents {
  readonly onDidChange = new Emitter<void>();
  /** Key changes of the bridge this window serves; none while it follows another window or is stopped. */
  readonly onServedKeyChange = new Emitter<KeyChangeEvent>();
  /** Finished requests of the bridge this window serves, as onServedKeyChange. */
  readonly onServedRequest = new Emitter<RequestSummary>();
  private subscriptions: Subscription[] = [];

  /** Listens to the bridge now held (none: to nothing); `serving` is asked at each event. */
  listenTo(bridge: Bridge | undefined, serving: () => boolean): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.subscriptions = bridge
      ? [
          bridge.onDidChange.on(() => this.onDidChange.fire()),
          bridge.onKeyChange.on((event) => serving() && this.onServedKeyChange.fire(event)),
          bridge.onRequest.on((summary) => serving() && this.onServedRequest.fire(summary)),
        ]
      : [];
  }
}
