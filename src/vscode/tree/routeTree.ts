import * as vscode from 'vscode';
import type { RouteStatus, RouteTargetStatus } from '../../core/status';
import {
  routeDescription,
  routeLabel,
  routeTooltipMarkdown,
  targetDescription,
  targetLabel,
  targetTooltipMarkdown,
} from '../../core/presentation/routePresentation';
import { DEFAULT_ROUTE_CONTEXT, DEFAULT_ROUTE_TARGET_CONTEXT, ROUTE_CONTEXT, ROUTE_TARGET_CONTEXT, ROUTES_CONTEXT } from '../shared/treeContext';

/** The Routes section after the pools. */
export interface RoutesNode {
  readonly kind: 'routes';
  readonly id: 'routes';
  readonly routes: readonly RouteNode[];
}

interface RouteNode {
  readonly kind: 'route';
  readonly id: string;
  readonly route: RouteStatus;
  readonly targets: readonly RouteTargetNode[];
}

interface RouteTargetNode {
  readonly kind: 'routeTarget';
  readonly id: string;
  readonly route: RouteStatus;
  readonly routeId: string;
  readonly target: RouteTargetStatus;
  /** Position in the route, from 0: the target's place in `keybridge.routes[…].targets`. */
  readonly index: number;
}

export type RouteTreeNode = RoutesNode | RouteNode | RouteTargetNode;

/**
 * The section's nodes for the status's routes; none when there is no route at all. Routes have no id of their
 * own: a configured one is known by its place, a default one by its protocol.
 */
export function routeNodes(routes: readonly RouteStatus[] | undefined): RoutesNode | undefined {
  if (!routes?.length) return undefined;
  let configured = 0;
  return {
    kind: 'routes',
    id: 'routes',
    routes: routes.map((route) => {
      const id = route.implicit ? `route:default:${route.protocol}` : `route:${configured++}`;
      const targets = route.targets.map((target, index) => ({ kind: 'routeTarget' as const, id: `${id}/target:${index}`, route, routeId: id, target, index }));
      return { kind: 'route', id, route, targets };
    }),
  };
}

export function routeTreeItem(node: RouteTreeNode, poolLabel: (id: string) => string | undefined): vscode.TreeItem {
  switch (node.kind) {
    case 'routes': {
      const item = new vscode.TreeItem('Routes', vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.description = 'first match wins';
      item.tooltip = new vscode.MarkdownString(
        'Which pools serve which models, in order. A target of the other protocol is **translated**. Add one with **Add Fallback to Route…**.',
      );
      item.contextValue = ROUTES_CONTEXT;
      item.iconPath = new vscode.ThemeIcon('list-ordered');
      return item;
    }
    case 'route': {
      const item = new vscode.TreeItem(routeLabel(node.route), vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.description = routeDescription(node.route);
      item.tooltip = new vscode.MarkdownString(routeTooltipMarkdown(node.route));
      item.contextValue = node.route.implicit ? DEFAULT_ROUTE_CONTEXT : ROUTE_CONTEXT;
      item.iconPath = node.route.implicit
        ? new vscode.ThemeIcon('arrow-right', new vscode.ThemeColor('disabledForeground'))
        : new vscode.ThemeIcon('arrow-right');
      return item;
    }
    case 'routeTarget': {
      const item = new vscode.TreeItem(targetLabel(node.target, node.index), vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.description = targetDescription(node.route, node.target);
      item.tooltip = new vscode.MarkdownString(targetTooltipMarkdown(node.route, node.target, poolLabel(node.target.pool)));
      item.contextValue = node.route.implicit ? DEFAULT_ROUTE_TARGET_CONTEXT : ROUTE_TARGET_CONTEXT;
      // A translated hop gets its own shape and colour, so it stands out in a chain of plain relays.
      item.iconPath = node.target.translated ? new vscode.ThemeIcon('arrow-swap', new vscode.ThemeColor('charts.purple')) : new vscode.ThemeIcon('server');
      return item;
    }
  }
}
