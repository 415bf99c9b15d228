export function Placeholder() {
  return <p className="muted">Раздел пока не готов.</p>;
}
