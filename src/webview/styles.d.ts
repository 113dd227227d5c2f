// The page script imports uPlot's stylesheet; esbuild writes it beside the bundle as dist/dashboard.css.
declare module '*.css';
