/**
 * The topology canvas: React Flow in controlled mode over the store's flow nodes and edges.
 *
 * Gestures: drag a card's top nub onto another card (REPLICAOF), double-click the pane (add a node),
 * drag cards (their positions are kept), click to select. Deletion is not React Flow's: the Delete
 * key is handled by the app's shortcuts, which ask the server.
 */
import { useCallback, useEffect, useMemo, useRef, type MouseEvent as ReactMouseEvent } from "react";
import {
  Background,
  BackgroundVariant,
  Controls,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeTypes,
  type IsValidConnection,
  type AriaLabelConfig,
  type NodeTypes,
  type OnNodeDrag,
  type Viewport,
} from "@xyflow/react";
import { useTranslation } from "react-i18next";
import { useActions, useSession } from "../app/AppContext.tsx";
import type { TFunction } from "i18next";
import { externalIdOf, isExternalFlowId } from "../store/externalData.ts";
import { useNodeChoices } from "../store/selectors.ts";
import { appStore, useApp } from "../store/store.ts";
import { ExternalCard } from "./ExternalCard.tsx";
import type { FlowEdge, FlowNode } from "./externalFlow.ts";
import { ExternalLinkEdge } from "./ExternalLinkEdge.tsx";
import { ReplicaCard } from "./ReplicaCard.tsx";
import { ReplicationEdge } from "./ReplicationEdge.tsx";
import { useFollowLock } from "../classroom/followLock.ts";

// Module scope: a new object on each render would remount every node and edge.
const nodeTypes: NodeTypes = { replica: ReplicaCard, external: ExternalCard };
const edgeTypes: EdgeTypes = { replication: ReplicationEdge, "external-link": ExternalLinkEdge };
const fitViewOptions = { padding: 0.15, maxZoom: 1.1 };
/**
 * Above this many nodes only the cards and links in view are mounted. Small labs keep everything
 * mounted (culling costs a pass over all nodes per store change and remounts cards that scroll
 * back in), but 100 cards updating off screen cost more than that.
 */
const CULL_ABOVE_NODES = 40;

/**
 * React Flow labels every edge "Edge from n2 to n1" for screen readers unless the edge has its own
 * `ariaLabel`. Labelled copies are cached per edge object, so an unchanged edge keeps its identity
 * (and is not re-rendered) until the language or a node's name changes.
 */
function useLabelledEdges(edges: FlowEdge[], t: TFunction): FlowEdge[] {
  const choices = useNodeChoices();
  const namesKey = choices.map(([id, name]) => `${id}:${name}`).join(",");
  // A fresh cache whenever the words change: the language, or a node's name.
  const cache = useMemo(() => new WeakMap<FlowEdge, FlowEdge>(), [t, namesKey]);
  return useMemo(() => {
    const names = new Map(choices);
    const nameOf = (flowId: string): string => (isExternalFlowId(flowId) ? externalIdOf(flowId) : (names.get(flowId) ?? flowId));
    return edges.map((edge) => {
      let labelled = cache.get(edge);
      if (!labelled) {
        labelled = { ...edge, ariaLabel: t("edge.ariaLabel", { replica: nameOf(edge.source), master: nameOf(edge.target) }) };
        cache.set(edge, labelled);
      }
      return labelled;
    });
    // `choices` is a new array on each render; `cache` changes exactly when its names do.
  }, [edges, cache, t]);
}

// A lab node may be dragged onto an external server (REPLICAOF it); an external server is never told what to do.
const isValidConnection: IsValidConnection<FlowEdge> = (c) => c.source !== c.target && !isExternalFlowId(c.source);

export function Canvas() {
  const labNodes = useApp((s) => s.canvas.flowNodes);
  const labEdges = useApp((s) => s.canvas.flowEdges);
  const externalNodes = useApp((s) => s.canvas.externalNodes);
  const externalEdges = useApp((s) => s.canvas.externalEdges);
  // Servers outside the lab are drawn with it (external cards and their links), in one React Flow.
  const flowNodes = useMemo<FlowNode[]>(() => (externalNodes.length === 0 ? (labNodes as FlowNode[]) : [...labNodes, ...externalNodes]), [labNodes, externalNodes]);
  const { t } = useTranslation();
  const allEdges = useMemo<FlowEdge[]>(() => (externalEdges.length === 0 ? (labEdges as FlowEdge[]) : [...labEdges, ...externalEdges]), [labEdges, externalEdges]);
  const flowEdges = useLabelledEdges(allEdges, t);
  const onNodesChange = useApp((s) => s.onNodesChange);
  const onEdgesChange = useApp((s) => s.onEdgesChange);
  const theme = useApp((s) => s.theme);
  const actions = useActions();
  // A follower's drags and double-clicks would only be refused: the canvas takes none.
  const lock = useFollowLock();
  const session = useSession();
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const laidOut = useApp((s) => s.canvas.laidOutVersion);
  const fitRequest = useApp((s) => s.fitRequest);
  // React Flow's own labels (controls, screen-reader descriptions) in the language shown.
  const ariaLabelConfig = useMemo<Partial<AriaLabelConfig>>(
    () => ({
      "node.a11yDescription.default": t("canvas.a11yNode"),
      "node.a11yDescription.keyboardDisabled": t("canvas.a11yNodeKeyboard"),
      "node.a11yDescription.ariaLiveMessage": ({ direction, x, y }) => t("canvas.a11yNodeMoved", { direction, x, y }),
      "edge.a11yDescription.default": t("canvas.a11yEdge"),
      "controls.ariaLabel": t("canvas.controls"),
      "controls.zoomIn.ariaLabel": t("canvas.zoomIn"),
      "controls.zoomOut.ariaLabel": t("canvas.zoomOut"),
      "controls.fitView.ariaLabel": t("canvas.fitView"),
      "controls.interactive.ariaLabel": t("canvas.interactive"),
      "minimap.ariaLabel": t("canvas.minimap"),
      "handle.ariaLabel": t("canvas.handle"),
    }),
    [t],
  );

  // The view follows the layout (fits all nodes after each topology change) until the viewer pans or
  // zooms it themselves; the fit button, "Auto layout" and L bring following back. A click on the
  // pane also starts a d3-zoom gesture, so only a gesture that really moved the view counts.
  const follow = useRef(true);
  const fittedAt = useRef<Viewport | null>(null);
  const lastFitRequest = useRef(fitRequest);
  const count = flowNodes.length;
  const measured = count > 0 && flowNodes.every((n) => n.measured !== undefined);
  const measuredNow = useRef(measured);
  measuredNow.current = measured;
  useEffect(() => {
    if (fitRequest !== lastFitRequest.current) {
      lastFitRequest.current = fitRequest;
      follow.current = true;
    }
    if (!measured || !follow.current) return;
    void flow.fitView(fitViewOptions).then(() => {
      fittedAt.current = flow.getViewport();
    });
  }, [laidOut, count, measured, fitRequest, flow]);

  // A resized canvas (window, panels, presentation mode) is refitted while the view follows, also
  // when it resizes before the first fit has finished (panels opening as the page loads): waiting
  // for that fit would leave the view fitted to the canvas's earlier size.
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      if (follow.current && measuredNow.current) {
        void flow.fitView(fitViewOptions).then(() => {
          fittedAt.current = flow.getViewport();
        });
      }
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [flow]);

  const onMoveEnd = useCallback((event: MouseEvent | TouchEvent | null, viewport: Viewport) => {
    const at = fittedAt.current;
    if (event === null || at === null) return;
    const moved = Math.abs(viewport.x - at.x) > 2 || Math.abs(viewport.y - at.y) > 2 || Math.abs(viewport.zoom - at.zoom) > 0.001;
    if (moved) follow.current = false;
  }, []);

  const onConnect = useCallback(
    (connection: Connection) => {
      if (connection.source === connection.target) return;
      // Onto an external card: REPLICAOF its address.
      actions.setMaster(connection.source, isExternalFlowId(connection.target) ? externalIdOf(connection.target) : connection.target);
    },
    [actions],
  );

  const onNodeDragStop: OnNodeDrag<FlowNode> = useCallback((_event, _node, nodes) => {
    for (const n of nodes) appStore.getState().pinNode(n.id, n.position);
  }, []);

  const onDoubleClick = useCallback(
    (event: ReactMouseEvent) => {
      const target = event.target as Element;
      if (!target.classList.contains("react-flow__pane")) return;
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      session
        .run({ kind: "add-node" })
        .then((result) => {
          const id = (result as { id?: unknown } | null)?.id;
          if (typeof id === "string") appStore.getState().pinNode(id, { x: at.x - 140, y: at.y - 60 });
        })
        .catch(() => undefined);
    },
    [flow, session],
  );

  return (
    <div className="canvas" data-testid="canvas" ref={host}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={flowNodes}
        edges={flowEdges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onNodeDragStop={onNodeDragStop}
        onDoubleClick={lock === null ? onDoubleClick : undefined}
        nodesConnectable={lock === null}
        onMoveEnd={onMoveEnd}
        zoomOnDoubleClick={false}
        deleteKeyCode={null}
        panActivationKeyCode={null}
        selectionKeyCode={null}
        multiSelectionKeyCode={null}
        colorMode={theme}
        minZoom={0.1}
        maxZoom={2}
        connectionRadius={30}
        onlyRenderVisibleElements={count > CULL_ABOVE_NODES}
        ariaLabelConfig={ariaLabelConfig}
      >
        <Background variant={BackgroundVariant.Dots} gap={24} size={1.5} />
        <Controls showInteractive={false} position="bottom-left" onFitView={() => appStore.getState().requestFit()} />
      </ReactFlow>
      {count === 0 && <div className="canvas-empty">{t("canvas.empty")}</div>}
    </div>
  );
}
